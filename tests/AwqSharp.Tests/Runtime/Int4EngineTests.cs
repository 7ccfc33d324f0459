using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Runtime;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Runtime;

public class Int4EngineTests
{
    private static int[] Greedy(LlamaModel model, int[] prompt, int steps)
    {
        var cache = model.CreateCache(prompt.Length + steps + 1);
        var logits = model.ForwardLast(prompt, cache);
        var result = new int[steps];
        for (int i = 0; i < steps; i++)
        {
            result[i] = Sampler.ArgMax(logits);
            logits = model.ForwardLast([result[i]], cache);
        }
        return result;
    }

    [Fact]
    public void PackedInt4EngineGreedyEqualsDequantizedFloat32Greedy()
    {
        var config = SyntheticModel.Config(hidden: 256, intermediate: 384, layers: 2, heads: 4, kvHeads: 2, vocab: 300, maxPositions: 128);
        var model = SyntheticModel.Create(config, seed: 12);
        var (q, _) = ModelQuantizer.Quantize(model, new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(4, 128)));
        var packed = q.ToLlamaModel(QuantizedBackend.Packed);
        var dense = q.ToLlamaModel(QuantizedBackend.Dequantized);
        Assert.IsType<PackedInt4Linear>(packed.Weights.Layers[0].Q);
        Assert.IsType<DenseLinear>(dense.Weights.Layers[0].Q);
        int[] prompt = [1, 17, 42, 99, 250, 3, 7];
        Assert.Equal(Greedy(dense, prompt, 32), Greedy(packed, prompt, 32));

        // And the logits agree to float32 rounding, prefill (GEMM path) and decode (GEMV path).
        var a = dense.ForwardAll(prompt);
        var b = packed.ForwardAll(prompt);
        double max = a.Max(Math.Abs), err = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(err <= 1e-4 * max, $"INT4 vs dequantized logits differ by {err:E2} (scale {max:E2})");
    }

    [Fact]
    public void SavedAutoAwqCheckpointLoadsPackedOrDequantized()
    {
        using var dir = new TempDir();
        var model = SyntheticModel.Create(SyntheticModel.Config(hidden: 128, intermediate: 256, layers: 1, heads: 4, kvHeads: 4, vocab: 64), seed: 2);
        var (q, _) = ModelQuantizer.Quantize(model, new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(4, 64)));
        AwqSharp.Formats.AutoAwq.QuantizedCheckpointWriter.Save(q, dir.Path);
        var packed = LlamaModel.Load(dir.Path);
        var dense = LlamaModel.Load(dir.Path, backend: QuantizedBackend.Dequantized);
        Assert.IsType<PackedInt4Linear>(packed.Weights.Layers[0].Down);
        int[] tokens = [1, 2, 3, 4, 5];
        var a = dense.ForwardAll(tokens);
        var b = packed.ForwardAll(tokens);
        double max = a.Max(Math.Abs), err = a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(err <= 1e-4 * max, $"differ by {err:E2}");
        Assert.True(packed.Weights.Layers[0].WeightBytes * 5 < dense.Weights.Layers[0].WeightBytes, "packed weights should be ~8x smaller");
    }

    [Fact]
    public void InferenceBenchmarkCountsTokensAndBytes()
    {
        var model = SyntheticQuantizedModel.CreateInt4(SyntheticModel.Shape("tiny"), groupSize: 32);
        var r = InferenceBenchmark.Run(model, 8, 4);
        Assert.Equal(8, r.PromptTokens);
        Assert.Equal(4, r.GeneratedTokens);
        Assert.True(r.DecodeTokensPerSecond > 0 && r.PrefillTokensPerSecond > 0);
        Assert.Equal(InferenceBenchmark.WeightBytesPerToken(model), r.WeightBytesPerToken);
    }
}
