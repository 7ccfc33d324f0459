using AwqSharp.Kernels;

namespace AwqSharp.Tests.Kernels;

public class OpsTests
{
    [Theory]
    [MemberData(nameof(KernelTestData.SupportedIsas), MemberType = typeof(KernelTestData))]
    public void RmsNormMatchesFloat64Reference(string isaName)
    {
        var isa = KernelTestData.Isa(isaName);
        foreach (int dim in new[] { 1, 3, 17, 64, 300, 2048 })
            foreach (int rows in new[] { 1, 3, 40 })
            {
                // Rows of very different magnitudes; eps matters for the tiny ones.
                var x = KernelTestData.Uniform(dim + rows, (long)rows * dim);
                for (int r = 0; r < rows; r++)
                    for (int i = 0; i < dim; i++) x[r * dim + i] *= MathF.Pow(10, r % 5 - 2);
                var weight = KernelTestData.Uniform(dim, dim, 2f);
                var y = new float[rows * dim];
                Ops.RmsNormCore(x, weight, y, rows, 1e-5f, isa, degree: 2);
                KernelTestData.AssertClose(y, Float64Reference.RmsNorm(x, weight, rows, 1e-5f), $"{isa} rows={rows} dim={dim}");
            }
    }

    [Fact]
    public void RmsNormWorksInPlaceAndIsThreadCountIndependent()
    {
        const int rows = 64, dim = 2048;
        var x = KernelTestData.Uniform(11, rows * dim);
        var weight = KernelTestData.Uniform(12, dim);
        var expected = new float[rows * dim];
        Ops.RmsNormCore(x, weight, expected, rows, 1e-6f, KernelIsa.Auto, degree: 1);
        var threaded = new float[rows * dim];
        Ops.RmsNormCore(x, weight, threaded, rows, 1e-6f, KernelIsa.Auto, degree: 3);
        KernelTestData.AssertBitwiseEqual(expected, threaded, "1 vs 3 threads");
        Ops.RmsNorm(x, weight, x, rows, 1e-6f);
        KernelTestData.AssertBitwiseEqual(expected, x, "in place");
    }

    [Fact]
    public void RmsNormSumOfSquaresStaysAccurateForLongRows()
    {
        // One large value and many small ones: a float32 running sum would lose the small ones.
        const int dim = 1 << 16;
        var x = new float[dim];
        Array.Fill(x, 1e-3f);
        x[0] = 1000f;
        var weight = new float[dim];
        Array.Fill(weight, 1f);
        foreach (var isa in KernelIsaSelector.Supported)
        {
            var y = new float[dim];
            Ops.RmsNormCore(x, weight, y, 1, 0f, isa, degree: 1);
            KernelTestData.AssertClose(y, Float64Reference.RmsNorm(x, weight, 1, 0), $"{isa}");
        }
    }

    [Fact]
    public void RmsNormRejectsBadShapes()
    {
        Assert.Throws<ArgumentException>("weight", () => Ops.RmsNorm(new float[4], [], new float[4], 1, 1e-5f));
        Assert.Throws<ArgumentException>("x", () => Ops.RmsNorm(new float[7], new float[4], new float[8], 2, 1e-5f));
        Assert.Throws<ArgumentException>("y", () => Ops.RmsNorm(new float[8], new float[4], new float[7], 2, 1e-5f));
    }

    [Theory]
    [InlineData(1, 1f)]
    [InlineData(5, 20f)]
    [InlineData(17, 20f)]
    [InlineData(100, 5f)]
    [InlineData(1000, 30f)]
    [InlineData(4099, 80f)]
    public void SoftmaxMatchesFloat64Reference(int length, float scale)
    {
        var x = KernelTestData.Uniform(length, length, scale);
        x[length / 2] += 1e4f; // far from zero: needs the max subtracted
        foreach (var isa in KernelIsaSelector.Supported)
        {
            var y = (float[])x.Clone();
            Ops.SoftmaxCore(y, isa);
            KernelTestData.AssertClose(y, Float64Reference.Softmax(x), $"{isa} length {length}");
            Assert.Equal(1.0, y.Sum(v => (double)v), 5);
        }
    }

    [Fact]
    public void SoftmaxOfEqualValuesIsUniformAndOfEmptyIsNoOp()
    {
        var y = new float[8];
        Array.Fill(y, -3.5f);
        Ops.Softmax(y);
        Assert.All(y, v => Assert.Equal(0.125f, v));
        Ops.Softmax(Span<float>.Empty);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(63)]
    [InlineData(5632)]
    [InlineData(100_003)]
    public void SiluMultiplyMatchesFloat64Reference(int length)
    {
        var gate = KernelTestData.Uniform(length, length, 12f);
        if (length > 2)
        {
            gate[0] = -100f; // sigmoid underflows: silu is -0 (reference -4e-42)
            gate[1] = 100f;
        }
        var up = KernelTestData.Uniform(length + 1, length, 3f);
        var expected = Float64Reference.SiluMultiply(gate, up);
        var single = (float[])gate.Clone();
        Ops.SiluMultiplyCore(single, up, degree: 1);
        KernelTestData.AssertClose(single, expected, $"length {length}");
        var threaded = (float[])gate.Clone();
        Ops.SiluMultiplyCore(threaded, up, degree: 3);
        KernelTestData.AssertBitwiseEqual(single, threaded, "1 vs 3 threads");
    }

    [Fact]
    public void SiluMultiplyRejectsMismatchedLengths()
        => Assert.Throws<ArgumentException>("up", () => Ops.SiluMultiply(new float[4], new float[3]));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(100)]
    public void RotaryHalfMatchesFloat64ReferenceAndIsPathIndependent(int half)
    {
        var x = KernelTestData.Uniform(half, 2 * half, 4f);
        // Llama frequencies at position 1234.
        var cos = new double[half];
        var sin = new double[half];
        for (int i = 0; i < half; i++)
        {
            double angle = 1234 * Math.Pow(10000, -2.0 * i / (2 * half));
            cos[i] = Math.Cos(angle);
            sin[i] = Math.Sin(angle);
        }
        var cosF = cos.Select(v => (float)v).ToArray();
        var sinF = sin.Select(v => (float)v).ToArray();
        // The reference rotates by the float32 cos/sin the kernel sees.
        var expected = Float64Reference.RotaryHalf(x, cosF.Select(v => (double)v).ToArray(), sinF.Select(v => (double)v).ToArray());
        float[]? first = null;
        foreach (var isa in KernelIsaSelector.Supported)
        {
            var y = (float[])x.Clone();
            Ops.ApplyRotaryHalfCore(y, cosF, sinF, isa);
            KernelTestData.AssertClose(y, expected, $"{isa} half {half}");
            if (first is null) first = y;
            else KernelTestData.AssertBitwiseEqual(first, y, $"{isa} vs {KernelIsaSelector.Supported[0]}");
        }
    }

    [Fact]
    public void RotaryHalfAtPositionZeroIsIdentity()
    {
        var x = KernelTestData.Uniform(9, 64);
        var y = (float[])x.Clone();
        Ops.ApplyRotaryHalf(y, Enumerable.Repeat(1f, 32).ToArray(), new float[32]);
        KernelTestData.AssertBitwiseEqual(x, y, "identity rotation");
    }

    [Fact]
    public void RotaryHalfRejectsMismatchedLengths()
    {
        Assert.Throws<ArgumentException>("headVector", () => Ops.ApplyRotaryHalf(new float[10], new float[4], new float[4]));
        Assert.Throws<ArgumentException>("sin", () => Ops.ApplyRotaryHalf(new float[8], new float[4], new float[3]));
    }
}
