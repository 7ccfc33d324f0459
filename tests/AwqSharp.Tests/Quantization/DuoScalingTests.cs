using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Awq;

namespace AwqSharp.Tests.Quantization;

/// <summary>
/// AutoAWQ's duo_scaling candidates (<see cref="DuoScaling"/>) against a float64 transcription of
/// <c>AwqQuantizer._search_best_scale</c>, and the scale search with the option off and on.
/// </summary>
public class DuoScalingTests
{
    private const int Columns = 20, Rows = 48;

    /// <summary>A q/k/v-like group under GQA (12, 4 and 4 output rows), with outlier weights, an all-zero group and a tiny row.</summary>
    private static DenseLinear[] Linears()
    {
        var q = TestWeights.Random(12, Columns, seed: 1, outlierFraction: 0.05f);
        var k = TestWeights.Random(4, Columns, seed: 2, outlierFraction: 0.05f);
        var v = TestWeights.Random(4, Columns, seed: 3, outlierFraction: 0.05f);
        for (int i = 8; i < 16; i++) k[Columns + i] = 0; // k row 1, group [8, 16): all zero, normalised by 0 + 1e-6
        for (int i = 0; i < Columns; i++) v[2 * Columns + i] *= 1e-4f; // v row 2: group maxima near 1e-6, where the epsilon weighs
        return [new DenseLinear(q, 12, Columns), new DenseLinear(k, 4, Columns), new DenseLinear(v, 4, Columns)];
    }

    /// <summary>Activations with three outlier channels (20-40x) and one channel that is always 0.</summary>
    private static float[] Input(int seed = 5)
    {
        var rng = new Random(seed);
        var x = new float[Rows * Columns];
        for (int r = 0; r < Rows; r++)
            for (int i = 0; i < Columns; i++)
            {
                double v = rng.NextDouble() * 2 - 1;
                if (i is 3 or 11 or 17) v *= 20 + 20 * rng.NextDouble();
                x[r * Columns + i] = i == 7 ? 0 : (float)v;
            }
        return x;
    }

    /// <summary>
    /// float64 transcription of AutoAWQ: <c>w = cat(weights, 0).view(-1, G); w_scale = |w| / (|w|.amax(1) + 1e-6);
    /// w_mean = w_scale.view(shape).mean(0); x_mean = |x|.mean(0); s = (x_mean^r / (w_mean^(1-r) + 1e-4)).clamp(1e-4);
    /// s / sqrt(s.max() * s.min())</c>. Groups restart at every row (ragged last group), as our quantizer's.
    /// </summary>
    private static double[] ReferenceScales(DenseLinear[] linears, float[] x, int groupSize, double ratio)
    {
        var concatenated = linears.SelectMany(l => Enumerable.Range(0, l.OutFeatures).Select(r => l.Weight.AsSpan(r * Columns, Columns).ToArray())).ToArray();
        var wMean = new double[Columns];
        foreach (var row in concatenated)
            for (int start = 0; start < Columns; start += groupSize)
            {
                int end = Math.Min(start + groupSize, Columns);
                double max = 0;
                for (int i = start; i < end; i++) max = Math.Max(max, Math.Abs((double)row[i]));
                for (int i = start; i < end; i++) wMean[i] += Math.Abs((double)row[i]) / (max + 1e-6) / concatenated.Length;
            }
        var s = new double[Columns];
        for (int i = 0; i < Columns; i++)
        {
            double xMean = 0;
            for (int r = 0; r < Rows; r++) xMean += Math.Abs((double)x[r * Columns + i]) / Rows;
            s[i] = Math.Max(Math.Pow(xMean, ratio) / (Math.Pow(wMean[i], 1 - ratio) + 1e-4), 1e-4);
        }
        double norm = Math.Sqrt(s.Max() * s.Min());
        return s.Select(v => v / norm).ToArray();
    }

    private static void AssertClose(double[] expected, float[] actual, double relative = 2e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= relative * Math.Abs(expected[i]), $"channel {i}: {actual[i]} vs reference {expected[i]}");
    }

    /// <summary>The inspected module of the test: the three linears' outputs side by side.</summary>
    private static Action<IReadOnlyList<ILinear>, float[]> Module(float[] x) => (linears, output) =>
    {
        int offset = 0;
        foreach (var l in linears)
        {
            var y = new float[Rows * l.OutFeatures];
            l.Forward(x, y, Rows);
            y.CopyTo(output, offset);
            offset += y.Length;
        }
    };

    private const int OutputLength = Rows * 20;

    [Theory]
    [InlineData(8, 0.0)]      // ragged: groups of 8, 8, 4
    [InlineData(8, 0.35)]
    [InlineData(8, 0.95)]
    [InlineData(5, 0.5)]
    [InlineData(-1, 0.65)]    // per-channel: one group per row
    public void CandidatesMatchTheFloat64Reference(int groupSize, double ratio)
    {
        var linears = Linears();
        var x = Input();
        var options = new QuantizationOptions(4, groupSize);
        var s = DuoScaling.ScalesFor(AwqScaleSearch.MeanAbs(x, Rows, Columns), DuoScaling.WeightMean(linears, options), ratio);
        AssertClose(ReferenceScales(linears, x, groupSize == -1 ? Columns : groupSize, ratio), s);
    }

    [Theory]
    [InlineData(1, 8)]   // one point: α = 0 is the only (fixed) ratio
    [InlineData(4, 8)]
    [InlineData(20, 8)]
    [InlineData(20, -1)]
    public void TheSearchKeepsTheReferenceScalesOfItsChosenRatio(int gridSize, int groupSize)
    {
        var linears = Linears();
        var x = Input();
        var options = new QuantizationOptions(3, groupSize);
        var result = AwqScaleSearch.Search(ScaleGroup.QkvFromInputNorm, linears, x, Rows, options, Module(x), OutputLength, gridSize, duoScaling: true);
        Assert.Contains(result.Alpha, Enumerable.Range(0, gridSize).Select(i => (double)i / gridSize));
        AssertClose(ReferenceScales(linears, x, groupSize == -1 ? Columns : groupSize, result.Alpha), result.Scales);

        // RtnLoss is plain RTN (unit scales), not duo's α = 0, which already rescales by 1/w_mean.
        var reference = new float[OutputLength];
        Module(x)(linears, reference);
        var rtn = linears.Select(l =>
        {
            var w = (float[])l.Weight.Clone();
            GroupQuantizer.FakeQuantize(w, l.OutFeatures, l.InFeatures, options);
            return (ILinear)new DenseLinear(w, l.OutFeatures, l.InFeatures);
        }).ToArray();
        var output = new float[OutputLength];
        Module(x)(rtn, output);
        Assert.Equal(AwqScaleSearch.MeanSquaredError(output, reference), result.RtnLoss);
    }

    [Fact]
    public void OffTheSearchIsThePapersGridBitForBit()
    {
        var linears = Linears();
        var x = Input();
        var options = new QuantizationOptions(3, 8);
        var paper = AwqScaleSearch.Search(ScaleGroup.QkvFromInputNorm, linears, x, Rows, options, Module(x), OutputLength);
        Assert.False(new QuantizeRequest(QuantizationMethod.Awq, options).DuoScaling); // the default stays the paper's

        // The grid written out: s = ScalesFor(mean|x|, α), loss of Q(W·s)/s, first strict minimum wins.
        var stat = AwqScaleSearch.MeanAbs(x, Rows, Columns);
        var reference = new float[OutputLength];
        Module(x)(linears, reference);
        double bestLoss = double.PositiveInfinity, bestAlpha = -1, rtnLoss = 0;
        float[]? bestScales = null;
        for (int step = 0; step < AwqScaleSearch.DefaultGridSize; step++)
        {
            double alpha = (double)step / AwqScaleSearch.DefaultGridSize;
            var s = AwqScaleSearch.ScalesFor(stat, alpha);
            var trial = linears.Select(l =>
            {
                var w = new float[l.Weight.Length];
                AwqScaleSearch.ScaledFakeQuantize(l, s, w, options);
                return (ILinear)new DenseLinear(w, l.OutFeatures, l.InFeatures);
            }).ToArray();
            var output = new float[OutputLength];
            Module(x)(trial, output);
            double loss = AwqScaleSearch.MeanSquaredError(output, reference);
            if (step == 0) rtnLoss = loss;
            if (loss < bestLoss) (bestLoss, bestAlpha, bestScales) = (loss, alpha, s);
        }
        Assert.True(bestAlpha > 0, "the outlier channels should make some α > 0 win; otherwise this test proves little");
        Assert.Equal(bestAlpha, paper.Alpha);
        Assert.Equal(bestLoss, paper.Loss);
        Assert.Equal(rtnLoss, paper.RtnLoss);
        Assert.Equal(bestScales, paper.Scales);

        // And the option does change the candidates.
        var duo = AwqScaleSearch.Search(ScaleGroup.QkvFromInputNorm, linears, x, Rows, options, Module(x), OutputLength, duoScaling: true);
        Assert.NotEqual(paper.Scales, duo.Scales);
        Assert.Equal(paper.RtnLoss, duo.RtnLoss);
    }

    [Fact]
    public void WeightMeanRejectsMismatchedLinears()
    {
        var options = new QuantizationOptions(4, 8);
        var e = Assert.Throws<ArgumentException>(() => DuoScaling.WeightMean(
            [new DenseLinear(new float[4 * 16], 4, 16), new DenseLinear(new float[4 * 8], 4, 8)], options));
        Assert.Contains("share their input size", e.Message);
        var nan = new float[4 * 16];
        nan[5] = float.NaN;
        Assert.Throws<ArgumentException>(() => DuoScaling.WeightMean([new DenseLinear(nan, 4, 16)], options));
    }
}
