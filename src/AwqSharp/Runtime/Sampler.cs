namespace AwqSharp.Runtime;

/// <summary>
/// Picks tokens from logits per <see cref="SamplingOptions"/>. Owns its random state (xorshift*,
/// as llama2.c) and scratch buffers, so the same seed gives the same tokens on every machine.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private ulong _state;
    private (int Id, float P)[] _candidates = [];

    public Sampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _state = options.Seed == 0 ? 0x9E3779B97F4A7C15UL : options.Seed;
    }

    public SamplingOptions Options => _options;

    /// <summary>Chooses the next token. <paramref name="logits"/> is modified (penalties, temperature).</summary>
    public int Sample(Span<float> logits, IReadOnlyList<int>? history = null)
    {
        ApplyRepetitionPenalty(logits, history);
        if (_options.Temperature == 0) return ArgMax(logits);

        // Softmax with temperature over all tokens, then filter candidates.
        float max = float.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l);
        if (_candidates.Length < logits.Length) _candidates = new (int, float)[logits.Length];
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float p = MathF.Exp((logits[i] - max) / _options.Temperature);
            _candidates[i] = (i, p);
            sum += p;
        }
        var cand = _candidates.AsSpan(0, logits.Length);
        for (int i = 0; i < cand.Length; i++) cand[i].P = (float)(cand[i].P / sum);

        int n = cand.Length;
        bool filtering = _options.TopK > 0 || _options.TopP < 1 || _options.MinP > 0;
        if (filtering)
        {
            // Sort by probability, descending; ties by id so the order is deterministic.
            cand.Sort(static (a, b) => b.P != a.P ? b.P.CompareTo(a.P) : a.Id.CompareTo(b.Id));
            if (_options.TopK > 0) n = Math.Min(n, _options.TopK);
            if (_options.TopP < 1)
            {
                double cum = 0;
                for (int i = 0; i < n; i++) { cum += cand[i].P; if (cum >= _options.TopP) { n = i + 1; break; } }
            }
            if (_options.MinP > 0)
            {
                float threshold = _options.MinP * cand[0].P;
                int keep = 1;
                while (keep < n && cand[keep].P >= threshold) keep++;
                n = keep;
            }
        }
        double total = 0;
        for (int i = 0; i < n; i++) total += cand[i].P;
        double r = NextDouble() * total, acc = 0;
        for (int i = 0; i < n; i++)
        {
            acc += cand[i].P;
            if (r < acc) return cand[i].Id;
        }
        return cand[n - 1].Id;
    }

    private void ApplyRepetitionPenalty(Span<float> logits, IReadOnlyList<int>? history)
    {
        if (_options.RepetitionPenalty == 1f || history is null || history.Count == 0) return;
        int start = _options.RepetitionWindow > 0 ? Math.Max(0, history.Count - _options.RepetitionWindow) : 0;
        var seen = new HashSet<int>();
        for (int i = start; i < history.Count; i++)
        {
            int t = history[i];
            if ((uint)t >= (uint)logits.Length || !seen.Add(t)) continue;
            logits[t] = logits[t] > 0 ? logits[t] / _options.RepetitionPenalty : logits[t] * _options.RepetitionPenalty;
        }
    }

    /// <summary>Index of the largest logit (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    private double NextDouble()
    {
        // xorshift64*
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        ulong r = _state * 0x2545F4914F6CDD1DUL;
        return (r >> 11) * (1.0 / (1UL << 53));
    }
}
