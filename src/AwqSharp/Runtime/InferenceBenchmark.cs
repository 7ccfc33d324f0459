using System.Diagnostics;
using AwqSharp.Models;

namespace AwqSharp.Runtime;

/// <summary>Prefill and decode speed of one model, and the bytes of weights one decoded token reads.</summary>
public sealed record InferenceBenchmarkResult(
    int PromptTokens, int GeneratedTokens, double PrefillSeconds, double DecodeSeconds, long WeightBytesPerToken)
{
    public double PrefillTokensPerSecond => PromptTokens / PrefillSeconds;
    public double DecodeTokensPerSecond => GeneratedTokens / DecodeSeconds;
    /// <summary>Weight bytes streamed per second while decoding.</summary>
    public double DecodeGBps => WeightBytesPerToken * DecodeTokensPerSecond / 1e9;
}

/// <summary>
/// Measures a model the way llama.cpp's llama-bench does: prefill a prompt of random tokens in one
/// batch, then decode greedily one token at a time; time each phase (after one warm-up step).
/// </summary>
public static class InferenceBenchmark
{
    public static InferenceBenchmarkResult Run(LlamaModel model, int promptTokens, int generatedTokens, int seed = 0, CancellationToken cancellationToken = default)
    {
        if (promptTokens < 1 || generatedTokens < 1) throw new ArgumentOutOfRangeException(nameof(promptTokens), "prompt and generated token counts must be positive");
        int capacity = promptTokens + generatedTokens + 1;
        if (capacity > model.Config.MaxPositionEmbeddings)
            throw new AwqException($"{promptTokens} + {generatedTokens} tokens exceed the model's context of {model.Config.MaxPositionEmbeddings}");
        var rng = new Random(seed);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();

        // Warm-up: JIT, thread pool, page faults of the weights.
        model.ForwardLast([prompt[0]], model.CreateCache(2), cancellationToken);

        var cache = model.CreateCache(capacity);
        var sw = Stopwatch.StartNew();
        var logits = model.ForwardLast(prompt, cache, cancellationToken);
        double prefill = sw.Elapsed.TotalSeconds;
        sw.Restart();
        for (int i = 0; i < generatedTokens; i++)
        {
            int next = Sampler.ArgMax(logits);
            logits = model.ForwardLast([next], cache, cancellationToken);
        }
        double decode = sw.Elapsed.TotalSeconds;
        return new InferenceBenchmarkResult(promptTokens, generatedTokens, prefill, decode, WeightBytesPerToken(model));
    }

    /// <summary>Weights one decode step reads: every linear of every block, the lm_head, the norms and one embedding row.</summary>
    public static long WeightBytesPerToken(LlamaModel model)
    {
        var w = model.Weights;
        return w.Layers.Sum(l => l.WeightBytes) + w.LmHead.WeightBytes + w.FinalNorm.Length * sizeof(float) + model.Config.HiddenSize * sizeof(float);
    }
}
