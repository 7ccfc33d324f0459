using AwqSharp.Runtime;
using AwqSharp.Tokenization;

namespace AwqSharp.Serving;

/// <summary>
/// The per-request half of a decode step: turns the logits the engine computed for one sequence into its next
/// token and streamed text, with exactly <see cref="TextGenerator.Generate"/>'s rules (sampling with the
/// request's seed and history, streaming decode, stop strings, EOS, max_tokens, end of the context), so a request
/// gets the same text whether it runs alone or batched with others. Not thread-safe: the engine's loop owns it.
/// </summary>
internal sealed class DecodingSequence
{
    private readonly GenerationOptions _options;
    private readonly Sampler _sampler;
    private readonly StreamingDecoder _decoder;
    private readonly StopStringMatcher _stops;
    private readonly List<int> _history;
    private readonly HashSet<int> _eos;
    private readonly int _promptLength;
    private readonly int _contextLength;
    private readonly Action<GenerationChunk> _emit;

    /// <param name="tokenizer">Decodes the sampled ids.</param>
    /// <param name="options">Validated generation options.</param>
    /// <param name="prompt">The prompt's ids (the repetition penalty's history starts with them).</param>
    /// <param name="contextLength">The model's context window: generation ends ("length") when it is full.</param>
    /// <param name="emit">Receives every chunk, the last one with <see cref="GenerationChunk.Finish"/> set.</param>
    public DecodingSequence(TextTokenizer tokenizer, GenerationOptions options, int[] prompt, int contextLength, Action<GenerationChunk> emit)
    {
        _options = options;
        _sampler = new Sampler(options.Sampling);
        _decoder = new StreamingDecoder(tokenizer, skipSpecialTokens: true);
        _stops = new StopStringMatcher(options.StopStrings);
        _history = new List<int>(prompt.Length + Math.Min(options.MaxTokens, contextLength));
        _history.AddRange(prompt);
        _eos = options.StopOnEos ? new HashSet<int>(tokenizer.EosTokenIds) : [];
        _promptLength = prompt.Length;
        _contextLength = contextLength;
        _emit = emit;
    }

    /// <summary>Tokens sampled so far (an EOS that ended generation counts, as in <see cref="GenerationStats.CompletionTokens"/>).</summary>
    public int Generated { get; private set; }

    /// <summary>The token to feed the model next, valid after <see cref="Advance"/> returned true.</summary>
    public int NextToken { get; private set; }

    /// <summary>Set once generation has ended.</summary>
    public FinishReason? Finish { get; private set; }

    /// <summary>
    /// Samples the next token from <paramref name="logits"/> (modified in place) and emits its text. Returns true
    /// when the token must be fed to the model (<see cref="NextToken"/>), false when generation has ended.
    /// </summary>
    public bool Advance(Span<float> logits)
    {
        if (Finish is not null) throw new InvalidOperationException("the sequence has finished");
        if (Generated >= _options.MaxTokens) { End(FinishReason.Length); return false; }
        int next = _sampler.Sample(logits, _history);
        Generated++;
        if (_eos.Contains(next)) { End(FinishReason.Stop); return false; }
        _history.Add(next);
        var (text, stopped) = _stops.Push(_decoder.Push(next));
        if (stopped)
        {
            if (text.Length > 0) _emit(new GenerationChunk(text, next));
            Finish = FinishReason.Stop;
            _emit(new GenerationChunk("", null, FinishReason.Stop));
            return false;
        }
        _emit(new GenerationChunk(text, next));
        if (Generated >= _options.MaxTokens || _promptLength + Generated >= _contextLength)
        {
            End(FinishReason.Length);
            return false;
        }
        NextToken = next;
        return true;
    }

    /// <summary>Releases the text held back (an unfinished character, a possible stop string) and the final chunk.</summary>
    private void End(FinishReason finish)
    {
        var (text, stopped) = _stops.Push(_decoder.Flush());
        string tail = stopped ? text : text + _stops.Flush();
        Finish = stopped ? FinishReason.Stop : finish;
        _emit(new GenerationChunk(tail, null, Finish));
    }
}
