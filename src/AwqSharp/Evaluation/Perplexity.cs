using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using AwqSharp.Models;

namespace AwqSharp.Evaluation;

/// <summary>Options of <see cref="Perplexity.Evaluate"/>.</summary>
/// <param name="SeqLen">Window length; capped to the model's max_position_embeddings.</param>
/// <param name="MaxWindows">Evaluate only the first K windows (null: all).</param>
/// <param name="BatchTokens">Windows are batched through the model up to this many tokens at a time.</param>
public sealed record PerplexityOptions(int SeqLen = 2048, int? MaxWindows = null, int BatchTokens = 2048);

/// <summary>The outcome of a perplexity run.</summary>
/// <param name="Perplexity">exp(mean NLL).</param>
/// <param name="MeanNll">Mean negative log-likelihood per predicted token (nats).</param>
/// <param name="SeqLen">Window length used.</param>
/// <param name="Windows">Windows scored.</param>
/// <param name="Seconds">Wall-clock time of the forward passes and scoring.</param>
/// <param name="Tokens">Tokens run through the model (windows x seqlen).</param>
/// <param name="PredictedTokens">Tokens scored (windows x (seqlen - 1)).</param>
public sealed record PerplexityResult(double Perplexity, double MeanNll, int SeqLen, int Windows, long Tokens, long PredictedTokens, double Seconds)
{
    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}

/// <summary>
/// Perplexity as the AWQ and GPTQ papers measure it: the whole text tokenized once, cut into
/// non-overlapping windows of seqlen tokens (the remainder dropped), each window run from an empty
/// cache, the mean negative log-likelihood of every predicted token, exponentiated.
/// </summary>
public static class Perplexity
{
    public static PerplexityResult Evaluate(LlamaModel model, ReadOnlySpan<int> tokens, PerplexityOptions? options = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PerplexityOptions();
        if (options.SeqLen < 2) throw new ArgumentOutOfRangeException(nameof(options), "seqlen must be at least 2");
        int seqLen = Math.Min(options.SeqLen, model.Config.MaxPositionEmbeddings);
        int windows = tokens.Length / seqLen;
        if (options.MaxWindows is int k) windows = Math.Min(windows, k);
        if (windows == 0)
            throw new AwqException($"the text has {tokens.Length} tokens, fewer than one window of {seqLen}; use a smaller --seqlen or a longer text");

        var sw = Stopwatch.StartNew();
        int perBatch = Math.Max(1, options.BatchTokens / seqLen);
        double totalNll = 0;
        int vocab = model.Config.VocabSize, hidden = model.Config.HiddenSize;
        const int logitRows = 64;
        var logits = new float[logitRows * vocab];
        for (int w0 = 0; w0 < windows; w0 += perBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(perBatch, windows - w0);
            var seqs = new int[count][];
            var caches = new Runtime.KvCache[count];
            for (int i = 0; i < count; i++)
            {
                seqs[i] = tokens.Slice((w0 + i) * seqLen, seqLen).ToArray();
                caches[i] = model.CreateCache(seqLen);
            }
            var h = model.ForwardHidden(seqs, caches, null, cancellationToken);
            for (int i = 0; i < count; i++)
            {
                // rows 0..seqLen-2 of window i predict tokens 1..seqLen-1
                for (int r0 = 0; r0 < seqLen - 1; r0 += logitRows)
                {
                    int rows = Math.Min(logitRows, seqLen - 1 - r0);
                    model.Logits(h.AsSpan((i * seqLen + r0) * hidden, rows * hidden), logits, rows);
                    for (int r = 0; r < rows; r++)
                        totalNll += NegativeLogLikelihood(logits.AsSpan(r * vocab, vocab), seqs[i][r0 + r + 1]);
                }
            }
            progress?.Report((w0 + count, windows));
        }
        long predicted = (long)windows * (seqLen - 1);
        double mean = totalNll / predicted;
        return new PerplexityResult(Math.Exp(mean), mean, seqLen, windows, (long)windows * seqLen, predicted, sw.Elapsed.TotalSeconds);
    }

    /// <summary>-log softmax(logits)[target], computed stably (max-shifted, float64 sum).</summary>
    public static double NegativeLogLikelihood(ReadOnlySpan<float> logits, int target)
    {
        float max = TensorPrimitives.Max(logits);
        var buffer = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            var e = buffer.AsSpan(0, logits.Length);
            TensorPrimitives.Subtract(logits, max, e);
            TensorPrimitives.Exp(e, e);
            double sum = 0;
            const int chunk = 1024;
            for (int i = 0; i < e.Length; i += chunk) sum += TensorPrimitives.Sum(e.Slice(i, Math.Min(chunk, e.Length - i)));
            return Math.Log(sum) - (logits[target] - max);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
