using AwqSharp.Evaluation;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Awq;
using AwqSharp.Quantization.Calibration;
using AwqSharp.Runtime;
using AwqSharp.Tests.Models;

namespace AwqSharp.Tests.Quantization;

/// <summary>
/// A generated model built so AWQ must win: about 1% of the hidden channels get RMSNorm weights
/// 20-50x larger than the rest (the activation outliers of real LLMs), so their weight columns
/// matter far more than their share of the quantization range.
/// </summary>
public sealed class OutlierModelFixture
{
    public OutlierModelFixture()
    {
        var config = SyntheticModel.Config(hidden: 256, intermediate: 512, layers: 2, heads: 4, kvHeads: 4, vocab: 256, maxPositions: 256);
        var rng = new Random(123);
        int[] outliers = [17, 101, 230];
        Model = SyntheticModel.Create(config, seed: 21, normWeights: n =>
        {
            var w = Enumerable.Range(0, n).Select(_ => (float)(0.8 + 0.4 * rng.NextDouble())).ToArray();
            foreach (var o in outliers) w[o] = (float)(20 + 30 * rng.NextDouble());
            return w;
        });
        // Text the model itself finds likely: sampled from it, so perplexity is meaningful.
        Calibration = Sample(Model, 12, 64, seed: 1);
        HeldOut = Sample(Model, 6, 64, seed: 2);
    }

    public LlamaModel Model { get; }
    public int[][] Calibration { get; }
    public int[][] HeldOut { get; }

    public static int[][] Sample(LlamaModel model, int count, int length, int seed)
    {
        var result = new int[count][];
        for (int s = 0; s < count; s++)
        {
            var sampler = new Sampler(new SamplingOptions { Temperature = 1, Seed = (ulong)(seed * 1000 + s + 1) });
            var cache = model.CreateCache(length);
            var tokens = new List<int> { 1 };
            var logits = model.ForwardLast([1], cache);
            while (tokens.Count < length)
            {
                int next = sampler.Sample(logits);
                tokens.Add(next);
                if (tokens.Count < length) logits = model.ForwardLast([next], cache);
            }
            result[s] = tokens.ToArray();
        }
        return result;
    }

    /// <summary>Mean over blocks of the MSE of each block's output, quantized vs full precision, on the same (full-precision) input.</summary>
    public double BlockOutputMse(LlamaModel quantized)
    {
        var c = Model.Config;
        double sum = 0; long n = 0;
        foreach (var seq in HeldOut)
        {
            var x = new float[seq.Length * c.HiddenSize];
            Model.Embed(seq, x);
            for (int l = 0; l < c.NumLayers; l++)
            {
                var q = (float[])x.Clone();
                TransformerBlock.Forward(c, Model.Weights.Layers[l], l, 0, Model.Rope, x, [new SequenceSlice(0, seq.Length, new KvCache(1, c.KvDim, seq.Length))]);
                TransformerBlock.Forward(c, quantized.Weights.Layers[l], l, 0, Model.Rope, q, [new SequenceSlice(0, seq.Length, new KvCache(1, c.KvDim, seq.Length))]);
                for (int i = 0; i < x.Length; i++) { double d = x[i] - q[i]; sum += d * d; }
                n += x.Length;
            }
        }
        return sum / n;
    }

    public double Perplexity(LlamaModel model) =>
        AwqSharp.Evaluation.Perplexity.Evaluate(model, HeldOut.SelectMany(s => s).ToArray(), new PerplexityOptions(SeqLen: 64)).Perplexity;
}

public class AwqTests(OutlierModelFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<OutlierModelFixture>
{
    [Theory]
    [InlineData(4)]
    [InlineData(3)]
    public void AwqBeatsRtnOnThePlantedOutlierModel(int bits)
    {
        var options = new QuantizationOptions(bits, 128);
        var (rtn, _) = ModelQuantizer.Quantize(fixture.Model, new QuantizeRequest(QuantizationMethod.Rtn, options));
        var (awq, report) = ModelQuantizer.Quantize(fixture.Model, new QuantizeRequest(QuantizationMethod.Awq, options, fixture.Calibration));
        var rtnModel = rtn.ToLlamaModel();
        var awqModel = awq.ToLlamaModel();
        double rtnMse = fixture.BlockOutputMse(rtnModel), awqMse = fixture.BlockOutputMse(awqModel);
        Assert.True(awqMse * 2 < rtnMse, $"W{bits}: AWQ block-output MSE {awqMse:E3} is not well below RTN's {rtnMse:E3}");
        double fp = fixture.Perplexity(fixture.Model), pr = fixture.Perplexity(rtnModel), pa = fixture.Perplexity(awqModel);
        output.WriteLine($"W{bits} g128: block-output MSE RTN {rtnMse:E3}, AWQ {awqMse:E3} (ratio {rtnMse / awqMse:F2}); perplexity FP32 {fp:F3}, RTN {pr:F3}, AWQ {pa:F3}; module MSE improvement {report.MseImprovement:F2}");
        Assert.True(pa < pr, $"W{bits}: perplexity FP {fp:F3}, RTN {pr:F3}, AWQ {pa:F3}");
        Assert.True(report.MseImprovement > 1, $"module-level MSE improvement {report.MseImprovement:F2}");
        // The searches found non-trivial scales where the outliers are.
        Assert.Contains(report.ScaleSearches, s => s.Result.Alpha > 0);
    }

    [Fact]
    public void FusedScalesLeaveTheBlockFunctionUnchanged()
    {
        var c = fixture.Model.Config;
        var layer = ModelQuantizer.Copy(fixture.Model.Weights.Layers[0]);
        var batch = new CalibrationBatch(c, 4, 32);
        var samples = fixture.Calibration.Take(4).Select(s => s[..32]).ToArray();
        var x = new float[batch.Rows * c.HiddenSize];
        for (int s = 0; s < 4; s++) fixture.Model.Embed(samples[s], x.AsSpan(s * 32 * c.HiddenSize, 32 * c.HiddenSize));

        var capture = new BlockCapture();
        var original = (float[])x.Clone();
        foreach (var (row, n, slices) in batch.Chunks())
            TransformerBlock.Forward(c, layer, 0, 0, fixture.Model.Rope, original.AsSpan(row * c.HiddenSize, n * c.HiddenSize), slices, capture);
        var results = AwqBlock.SearchAndFuseScales(c, fixture.Model.Rope, layer, capture, batch, new QuantizationOptions(3, 128));
        Assert.Contains(results, r => r.Alpha > 0); // otherwise the test proves nothing

        var fused = (float[])x.Clone();
        foreach (var (row, n, slices) in batch.Chunks())
            TransformerBlock.Forward(c, layer, 0, 0, fixture.Model.Rope, fused.AsSpan(row * c.HiddenSize, n * c.HiddenSize), slices);
        double maxRef = original.Max(Math.Abs), maxErr = 0;
        for (int i = 0; i < original.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(original[i] - fused[i]));
        Assert.True(maxErr <= 1e-5 * maxRef, $"fused block differs by {maxErr:E2} (scale {maxRef:E2})");
    }

    [Fact]
    public void ScaleCandidatesFollowTheReferenceFormula()
    {
        float[] stat = [0.5f, 2f, 8f, 0f];
        var s = AwqScaleSearch.ScalesFor(stat, 0.5);
        // stat^0.5 = [0.7071, 1.4142, 2.8284, 0 -> 1e-4], normalised by sqrt(2.8284 * 1e-4)
        double norm = Math.Sqrt(Math.Sqrt(8) * 1e-4);
        Assert.Equal(Math.Sqrt(0.5) / norm, s[0], 3);
        Assert.Equal(Math.Sqrt(8) / norm, s[2], 2);
        Assert.Equal(1e-4 / norm, s[3], 5);
        Assert.All(AwqScaleSearch.ScalesFor(stat, 0), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void ClipSearchNeverIncreasesTheGroupOutputError()
    {
        var rng = new Random(4);
        int outF = 16, inF = 64, rows = 200;
        var w = Enumerable.Range(0, outF * inF).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        w[5] = 6; w[inF + 40] = -7; // outlier weights: clipping them should help
        var x = Enumerable.Range(0, rows * inF).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var linear = new DenseLinear(w, outF, inF);
        var options = new QuantizationOptions(3, 32);
        var clip = AwqClipSearch.Search(linear, x, rows, options);
        var y = new float[rows * outF];
        linear.Forward(x, y, rows);
        double Err(float[]? c)
        {
            var q = GroupQuantizer.Quantize(w, outF, inF, options, c).Dequantize();
            var yq = new float[rows * outF];
            new DenseLinear(q, outF, inF).Forward(x, yq, rows);
            return AwqScaleSearch.MeanSquaredError(yq, y);
        }
        Assert.True(Err(clip) < Err(null), $"clipped {Err(clip):E3} vs unclipped {Err(null):E3}");
        Assert.Contains(clip, v => v < 5.9f);
    }

    [Fact]
    public void QuantizationIsDeterministic()
    {
        var options = new QuantizationOptions(4, 128);
        var (a, _) = ModelQuantizer.Quantize(fixture.Model, new QuantizeRequest(QuantizationMethod.Awq, options, fixture.Calibration[..3]));
        var (b, _) = ModelQuantizer.Quantize(fixture.Model, new QuantizeRequest(QuantizationMethod.Awq, options, fixture.Calibration[..3]));
        for (int l = 0; l < a.Layers.Length; l++)
            foreach (var (name, q) in a.Layers[l].Linears)
            {
                Assert.Equal(q.Codes, b.Layers[l].Linears[name].Codes);
                Assert.Equal(q.Scales, b.Layers[l].Linears[name].Scales);
            }
    }

    [Fact]
    public void CalibrationSetCutsConcatenatedLinesIntoSamples()
    {
        string text = "ab\n\ncd ef\n" + new string('x', 50) + "\ngh\n";
        int[] Encode(string s) => [1, .. s.Select(ch => (int)ch)];
        var samples = CalibrationSet.FromText(text, Encode, samples: 10, seqLen: 6);
        // lines: "ab"(3 ids) "cd ef"(6) [x*50 skipped: 51 > 6] "gh"(3) -> 12 ids -> 2 samples of 6
        Assert.Equal(2, samples.Length);
        Assert.Equal([1, 'a', 'b', 1, 'c', 'd'], samples[0]);
        Assert.Equal([' ', 'e', 'f', 1, 'g', 'h'], samples[1]);
        Assert.Single(CalibrationSet.FromText(text, Encode, samples: 1, seqLen: 6));
        Assert.Throws<AwqException>(() => CalibrationSet.FromText("a", Encode, 1, 4));
    }
}
