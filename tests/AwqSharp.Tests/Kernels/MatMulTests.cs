using AwqSharp.Kernels;
using CsCheck;

namespace AwqSharp.Tests.Kernels;

public class MatMulTests
{
    /// <summary>
    /// Odd sizes (1, 3, 17, 63, 65, 129, 300: none a multiple of a vector width or of the micro-tile), m from decode
    /// to prefill, and shapes that cross the packed GEMM's blocks: k &gt; 384 (several k-blocks), n &gt; 256
    /// (several weight blocks), m · k &gt; 8 Mi floats (several outer blocks of packed rows).
    /// </summary>
    public static TheoryData<int, int, int, string> ShapesAndIsas()
    {
        int[][] shapes =
        [
            [1, 1, 1], [1, 3, 17], [1, 63, 65], [1, 129, 300], [1, 300, 129], [2, 17, 3], [2, 65, 63], [3, 129, 17],
            [7, 63, 300], [7, 300, 65], [17, 65, 129], [63, 17, 300], [64, 129, 63], [64, 300, 300], [65, 1, 17],
            [129, 63, 65], [300, 17, 3], [2, 1000, 40], [40, 1000, 70], [100, 770, 300], [2100, 4096, 5],
        ];
        var data = new TheoryData<int, int, int, string>();
        foreach (var s in shapes)
            foreach (var isa in KernelIsaSelector.Supported)
                data.Add(s[0], s[1], s[2], isa.ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(ShapesAndIsas))]
    public void BothPathsMatchFloat64Reference(int m, int k, int n, string isaName)
    {
        var isa = KernelTestData.Isa(isaName);
        var x = KernelTestData.Uniform(1, (long)m * k);
        var w = KernelTestData.Uniform(2, (long)n * k);
        var bias = KernelTestData.Uniform(3, n);
        var expectedNoBias = Float64Reference.MultiplyTransposed(x, w, m, k, n);
        var expectedBias = Float64Reference.MultiplyTransposed(x, w, m, k, n, bias);
        foreach (var path in new[] { GemmPath.Dot, GemmPath.Packed })
        {
            var y = new float[m * n];
            MatMul.MultiplyTransposedCore(x, w, y, m, k, n, default, isa, degree: 2, path);
            KernelTestData.AssertClose(y, expectedNoBias, $"{isa} {path} {m}x{k}x{n}");
            Array.Fill(y, float.NaN); // the kernel must overwrite, never accumulate into, the output
            MatMul.MultiplyTransposedCore(x, w, y, m, k, n, bias, isa, degree: 2, path);
            KernelTestData.AssertClose(y, expectedBias, $"{isa} {path} {m}x{k}x{n} + bias");
        }
    }

    [Fact]
    public void RandomShapesMatchFloat64Reference()
    {
        var isas = KernelIsaSelector.Supported.ToArray();
        Gen.Select(Gen.Int[1, 80], Gen.Int[1, 200], Gen.Int[1, 200], Gen.Int[0, isas.Length - 1], Gen.Bool, Gen.Bool)
            .Sample((m, k, n, isaIndex, packed, withBias) =>
            {
                var x = KernelTestData.Uniform(m * 7 + k, (long)m * k);
                var w = KernelTestData.Uniform(n * 13 + k, (long)n * k);
                var bias = withBias ? KernelTestData.Uniform(n, n) : null;
                var y = new float[m * n];
                MatMul.MultiplyTransposedCore(x, w, y, m, k, n, bias, isas[isaIndex], degree: 2, packed ? GemmPath.Packed : GemmPath.Dot);
                return KernelTestData.RelativeError(y, Float64Reference.MultiplyTransposed(x, w, m, k, n, bias)) <= KernelTestData.Tolerance;
            }, iter: 60);
    }

    [Theory]
    [MemberData(nameof(KernelTestData.SupportedIsas), MemberType = typeof(KernelTestData))]
    public void ResultIsBitwiseIdenticalForOneTwoAndThreeThreads(string isaName)
    {
        var isa = KernelTestData.Isa(isaName);
        // Big enough to run in parallel; edges in every dimension; k spans three k-blocks.
        foreach (var (m, k, n, path) in new[] { (7, 1001, 301, GemmPath.Dot), (101, 1001, 301, GemmPath.Packed), (1, 517, 1000, GemmPath.Auto) })
        {
            var x = KernelTestData.Uniform(4, (long)m * k);
            var w = KernelTestData.Uniform(5, (long)n * k);
            var bias = KernelTestData.Uniform(6, n);
            var one = new float[m * n];
            MatMul.MultiplyTransposedCore(x, w, one, m, k, n, bias, isa, degree: 1, path);
            foreach (int threads in new[] { 2, 3 })
            {
                var many = new float[m * n];
                MatMul.MultiplyTransposedCore(x, w, many, m, k, n, bias, isa, degree: threads, path);
                KernelTestData.AssertBitwiseEqual(one, many, $"{isa} {path} {m}x{k}x{n}, 1 vs {threads} threads");
            }
        }
    }

    [Fact]
    public void DecodeRowEqualsSameRowOfABatch()
    {
        // The dot path computes each element the same way whatever the tile, so a row's result does not depend
        // on which other rows share the call (decode one token == that token inside a small batch).
        const int k = 333, n = 77;
        var x = KernelTestData.Uniform(7, 5L * k);
        var w = KernelTestData.Uniform(8, (long)n * k);
        var batch = new float[5 * n];
        MatMul.MultiplyTransposedCore(x, w, batch, 5, k, n, default, KernelIsa.Auto, 2, GemmPath.Dot);
        for (int r = 0; r < 5; r++)
        {
            var single = new float[n];
            MatMul.MultiplyTransposedCore(x.AsSpan(r * k, k), w, single, 1, k, n, default, KernelIsa.Auto, 2, GemmPath.Dot);
            KernelTestData.AssertBitwiseEqual(batch.AsSpan(r * n, n), single, $"row {r}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelTestData.SupportedIsas), MemberType = typeof(KernelTestData))]
    public unsafe void StridedViewsReadAndWriteOnlyTheirColumns(string isaName)
    {
        // X, W and Y as column windows of wider row-major matrices (leading dimension > row length), as a kernel
        // working on one head of a wider activation row would pass them.
        var isa = KernelTestData.Isa(isaName);
        const int ldx = 150, ldw = 140, ldy = 90, offX = 7, offW = 3, offY = 5;
        foreach (var (m, k, n, path) in new[] { (5, 129, 77, GemmPath.Dot), (100, 129, 77, GemmPath.Packed) })
        {
            var xWide = KernelTestData.Uniform(21, (long)m * ldx);
            var wWide = KernelTestData.Uniform(22, (long)n * ldw);
            var yWide = new float[m * ldy];
            Array.Fill(yWide, 42f);
            var x = new float[m * k];
            var w = new float[n * k];
            for (int i = 0; i < m; i++) Array.Copy(xWide, i * ldx + offX, x, i * k, k);
            for (int j = 0; j < n; j++) Array.Copy(wWide, j * ldw + offW, w, j * k, k);
            var expected = Float64Reference.MultiplyTransposed(x, w, m, k, n);
            fixed (float* px = xWide, pw = wWide, py = yWide)
                MatMul.Multiply(new GemmOperands(px + offX, ldx, pw + offW, ldw, py + offY, ldy, null, m, k, n), isa, degree: 2, path);
            var y = new float[m * n];
            for (int i = 0; i < m; i++)
            {
                Array.Copy(yWide, i * ldy + offY, y, i * n, n);
                for (int c = 0; c < ldy; c++)
                    if (c < offY || c >= offY + n) Assert.Equal(42f, yWide[i * ldy + c]);
            }
            KernelTestData.AssertClose(y, expected, $"{isa} {path} strided {m}x{k}x{n}");
        }
    }

    [Fact]
    public void IsaSelectorResolvesToSupportedPaths()
    {
        Assert.Contains(KernelIsaSelector.Best, KernelIsaSelector.Supported);
        Assert.Equal(KernelIsaSelector.Supported[0], KernelIsaSelector.Best);
        Assert.Contains(KernelIsa.Portable, KernelIsaSelector.Supported);
        foreach (var isa in KernelIsaSelector.Supported) Assert.Equal(isa, KernelIsaSelector.Resolve(isa));
        foreach (var isa in Enum.GetValues<KernelIsa>())
            Assert.True(KernelIsaSelector.IsSupported(KernelIsaSelector.Resolve(isa)));
    }

    [Fact]
    public void PublicOverloadMatchesHandComputedProduct()
    {
        float[] x = [1, 2, 3, 4, 5, 6];       // [2,3]
        float[] w = [1, 0, -1, 2, 1, 0];      // [2,3]
        var y = new float[4];
        MatMul.MultiplyTransposed(x, w, y, 2, 3, 2);
        Assert.Equal([-2f, 4f, -2f, 13f], y);
        MatMul.MultiplyTransposed(x, w, y, 2, 3, 2, [10f, 20f]);
        Assert.Equal([8f, 24f, 8f, 33f], y);
    }

    [Fact]
    public void ZeroInnerDimensionGivesBiasOrZero()
    {
        var y = new float[6];
        Array.Fill(y, 5f);
        MatMul.MultiplyTransposed([], [], y, 2, 0, 3);
        Assert.All(y, v => Assert.Equal(0f, v));
        MatMul.MultiplyTransposed([], [], y, 2, 0, 3, [1f, 2f, 3f]);
        Assert.Equal([1f, 2f, 3f, 1f, 2f, 3f], y);
    }

    [Fact]
    public void RejectsSpansShorterThanTheirShape()
    {
        var ok = new float[12];
        Assert.Throws<ArgumentException>("x", () => MatMul.MultiplyTransposed(new float[5], ok, ok, 2, 3, 4));
        Assert.Throws<ArgumentException>("w", () => MatMul.MultiplyTransposed(ok, new float[11], ok, 2, 3, 4));
        Assert.Throws<ArgumentException>("y", () => MatMul.MultiplyTransposed(ok, ok, new float[7], 2, 3, 4));
        Assert.Throws<ArgumentException>("bias", () => MatMul.MultiplyTransposed(ok, ok, ok, 2, 3, 4, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>("m", () => MatMul.MultiplyTransposed(ok, ok, ok, -1, 3, 4));
    }
}
