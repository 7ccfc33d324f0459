using AwqSharp.Quantization;
using AwqSharp.Quantization.Gptq;

namespace AwqSharp.Tests.Quantization;

/// <summary>Dead inputs, Cholesky failures and bad input.</summary>
public class GptqRobustnessTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DeadColumnsAreZeroedAndTheRestMatchesTheReference(bool actOrder)
    {
        int rows = 16, cols = 64, tokens = 300, dead = 21;
        var (w, x) = GptqTestData.Linear(rows, cols, tokens, seed: 17, deadColumn: dead);
        var acc = new HessianAccumulator(cols);
        acc.Add(x, tokens);
        var h = acc.ToHessian();
        Assert.Equal(0.0, h[dead * cols + dead]);
        var options = new QuantizationOptions(3, 32);
        var result = GptqQuantizer.Quantize(w, rows, cols, h, options, new GptqOptions(ActOrder: actOrder));
        Assert.Equal(1, result.DeadColumns);
        var q = result.Weight.Dequantize();
        for (int r = 0; r < rows; r++) Assert.Equal(0f, q[r * cols + dead]); // W[:, dead] = 0 is quantized exactly
        Assert.Contains(w.Where((_, i) => i % cols == dead), v => v != 0); // ... although the weights were not zero
        var expected = GptqReference.FasterQuant(w, rows, cols, h, 3, 32, sym: false, actorder: actOrder, staticGroups: actOrder);
        Assert.Equal(expected.Codes, result.Weight.Codes);
        if (actOrder)
        {
            // Sorted by decreasing diagonal, the dead column ranked with H[dead, dead] = 1.
            double Diag(int i) => i == dead ? 1 : h[i * cols + i];
            var perm = result.Permutation!;
            for (int k = 1; k < cols; k++) Assert.True(Diag(perm[k - 1]) >= Diag(perm[k]), $"act-order rank {k}");
        }
        Assert.True(double.IsFinite(result.Loss));
    }

    [Fact]
    public void AllDeadInputsGiveAZeroWeight()
    {
        int rows = 4, cols = 8;
        var w = TestWeights.Random(rows, cols, 1);
        var result = GptqQuantizer.Quantize(w, rows, cols, new double[cols * cols], new QuantizationOptions(4, -1));
        Assert.Equal(cols, result.DeadColumns);
        Assert.All(result.Weight.Dequantize(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void IndefiniteHessianRaisesTheDampingUntilCholeskySucceeds()
    {
        // Eigenvalues 1 ± 1.02: needs damping above 0.02 of the mean diagonal; 0.01 + 5 × 0.0025 = 0.0225 is the first that works.
        double[] h = [1, 1.02, 1.02, 1];
        float[] w = [0.5f, -0.25f, 0.1f, 0.3f];
        var result = GptqQuantizer.Quantize(w, 2, 2, h, new QuantizationOptions(4, -1));
        Assert.Equal(5, result.CholeskyRetries);
        Assert.Equal(0.0225, result.PercDamp, 1e-12);
        Assert.All(result.Weight.Dequantize(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void CholeskyFailureWithoutFallbackNamesTheLayerAndTheRemedy()
    {
        double[] h = [1, 2, 2, 1];
        float[] w = [0.5f, -0.25f, 0.1f, 0.3f];
        var e = Assert.Throws<AwqException>(() => GptqQuantizer.Quantize(w, 2, 2, h, new QuantizationOptions(4, -1),
            new GptqOptions(DampAutoIncrement: 0), "layer 3 mlp.down_proj"));
        Assert.Contains("layer 3 mlp.down_proj", e.Message);
        Assert.Contains("--damp", e.Message);
        // With the fallback, damping runs out below 1 and says so.
        e = Assert.Throws<AwqException>(() => GptqQuantizer.Quantize(w, 2, 2, h, new QuantizationOptions(4, -1), name: "q"));
        Assert.Contains("not positive definite even with damp", e.Message);
    }

    [Fact]
    public void BadInputIsRejectedWithTheOffendingField()
    {
        float[] w = [1, 2, 3, 4];
        double[] h = [1, 0, 0, 1];
        Assert.Contains("Hessian has 3 elements", Assert.Throws<ArgumentException>(() =>
            GptqQuantizer.Quantize(w, 2, 2, new double[3], new QuantizationOptions(4, -1))).Message);
        Assert.Contains("weight[1, 0]", Assert.Throws<ArgumentException>(() =>
            GptqQuantizer.Quantize([1, 2, float.NaN, 4], 2, 2, h, new QuantizationOptions(4, -1))).Message);
        Assert.Contains("Hessian[0, 1]", Assert.Throws<ArgumentException>(() =>
            GptqQuantizer.Quantize(w, 2, 2, [1, double.PositiveInfinity, 0, 1], new QuantizationOptions(4, -1))).Message);
        Assert.Contains("BlockSize", Assert.Throws<ArgumentException>(() =>
            GptqQuantizer.Quantize(w, 2, 2, h, new QuantizationOptions(4, -1), new GptqOptions(BlockSize: 0))).Message);
        Assert.Contains("PercDamp", Assert.Throws<ArgumentException>(() => new GptqOptions(PercDamp: 1).Validate()).Message);
        Assert.Throws<InvalidOperationException>(() => new HessianAccumulator(3).ToHessian());
    }
}
