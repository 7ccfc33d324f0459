using AwqSharp.Kernels.Int4;

namespace AwqSharp.Tests.Kernels;

public class Int4MultiplyTests
{
    /// <summary>(out, in, group): odd outs, ins that are multiples of 8 but not of 16 or 128, ragged last groups, per-channel, a group size the SIMD kernels cannot take (24).</summary>
    public static readonly (int Out, int In, int Group)[] Shapes =
    [
        (37, 200, 32), (64, 256, 64), (9, 384, 128), (30, 136, 136), (13, 1000, 128),
        (11, 72, 24), (40, 520, 520), (5, 160, 32), (1, 48, 16), (66, 768, 256),
    ];

    public static readonly int[] BatchSizes = [1, 3, 6, 17, 64];

    public static TheoryData<Int4Isa> Paths => Int4TestData.SupportedPaths();

    /// <summary>The paths that run the panel GEMM for large batches (the scalar one runs the GEMV row by row).</summary>
    public static TheoryData<Int4Isa> GemmPaths => Int4TestData.SupportedPaths(except: Int4Isa.Scalar);

    [Theory]
    [MemberData(nameof(Paths))]
    public void ProductMatchesFloat64ReferenceOfTheDequantizedWeight(Int4Isa isa)
    {
        int seed = 0;
        foreach (var (outF, inF, group) in Shapes)
        {
            var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(outF, inF, group, ++seed));
            var w = packed.Dequantize();
            foreach (int m in BatchSizes)
            {
                var x = Int4TestData.Activations(m, inF, ++seed);
                float[]? bias = outF % 2 == 1 ? Int4TestData.Activations(1, outF, ++seed) : null;
                var y = new float[m * outF];
                Int4TestData.With(isa, 2, () => packed.Multiply(x, y, m, bias));
                Int4TestData.AssertMatchesReference($"{isa} [{outF}x{inF}] g{group} m={m}", w, x, y, m, outF, inF, bias);
            }
        }
    }

    [Theory]
    [MemberData(nameof(GemmPaths))]
    public void PrefillIsTheSequentialFmaChainOverTheDequantizedWeights(Int4Isa isa)
    {
        // The GEMM path computes every output as fma(w[o,k], x[i,k], acc) for k = 0, 1, ... then adds the bias:
        // an independent scalar loop must give the same bits, on every path (the scalar path runs the GEMV instead).
        foreach (var (outF, inF, group) in new[] { (37, 200, 32), (33, 600, 128), (20, 72, 24) })
        {
            var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(outF, inF, group, seed: outF));
            var w = packed.Dequantize();
            foreach (int m in new[] { 17, 40 })
            {
                Assert.False(PackedInt4Matrix.UsesGemv(m, isa, packed));
                var x = Int4TestData.Activations(m, inF, seed: m);
                var bias = Int4TestData.Activations(1, outF, seed: 99);
                var y = new float[m * outF];
                Int4TestData.With(isa, 2, () => packed.Multiply(x, y, m, bias));
                for (int i = 0; i < m; i++)
                {
                    for (int o = 0; o < outF; o++)
                    {
                        float acc = 0;
                        for (int k = 0; k < inF; k++) acc = MathF.FusedMultiplyAdd(w[o * inF + k], x[i * inF + k], acc);
                        Assert.True(acc + bias[o] == y[i * outF + o], $"{isa} [{outF}x{inF}] g{group} m={m}: y[{i},{o}] = {y[i * outF + o]:R}, expected {acc + bias[o]:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SameBitsWhateverTheThreadCount(Int4Isa isa)
    {
        var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(262, 1040, 128, seed: 7));
        foreach (int m in new[] { 1, 3, 17 })
        {
            var x = Int4TestData.Activations(m, 1040, seed: m);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var y = new float[m * 262];
                Int4TestData.With(isa, threads, () => packed.Multiply(x, y, m));
                if (first is null) first = y;
                else Assert.True(first.AsSpan().SequenceEqual(y), $"{isa} m={m}: {threads} threads changed the result");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void KnownAnswerIsExact(Int4Isa isa)
    {
        // W[o, i] = (i % 16 - 8) * 0.5 for 2 rows of 32 inputs, x = 1: each row sums to 2 * 0.5 * (0 + 1 + ... + 15 - 128) = -8.
        // Row 1 has zero point 0 in its second group: adds 0.5 * 8 * 16 = 64.
        var codes = new byte[64];
        for (int i = 0; i < 64; i++) codes[i] = (byte)(i % 16);
        var q = new AwqSharp.Quantization.QuantizedWeight(2, 32, 4, 16, codes, [0.5f, 0.5f, 0.5f, 0.5f], [8, 8, 8, 0]);
        var packed = PackedInt4Matrix.FromQuantized(q);
        foreach (int m in new[] { 1, 9 })
        {
            var x = Enumerable.Repeat(1f, 32 * m).ToArray();
            var y = new float[2 * m];
            Int4TestData.With(isa, 1, () => packed.Multiply(x, y, m, [0.25f, -1f]));
            for (int i = 0; i < m; i++)
            {
                Assert.Equal(-8f + 0.25f, y[2 * i]);
                Assert.Equal(-8f + 64f - 1f, y[2 * i + 1]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void SmallBatchRowsEqualSingleRowProducts(Int4Isa isa)
    {
        var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(45, 392, 64, seed: 3));
        for (int m = 2; m <= PackedInt4Matrix.GemvMaxRows(isa, packed); m++)
        {
            var x = Int4TestData.Activations(m, 392, seed: 4 + m);
            var batch = new float[m * 45];
            Int4TestData.With(isa, 2, () => packed.Multiply(x, batch, m));
            for (int i = 0; i < m; i++)
            {
                var single = new float[45];
                var row = x.AsSpan(i * 392, 392).ToArray();
                Int4TestData.With(isa, 2, () => packed.Multiply(row, single, 1));
                Assert.True(single.AsSpan().SequenceEqual(batch.AsSpan(i * 45, 45)), $"{isa}: row {i} of a batch of {m} differs from the same row alone");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void FusedSiluGateUpEqualsTwoProductsThenSilu(Int4Isa isa)
    {
        var gate = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(70, 264, 64, seed: 11));
        var up = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(70, 264, 128, seed: 12, halfScales: false));
        foreach (int m in new[] { 1, 3, 17 })
        {
            var x = Int4TestData.Activations(m, 264, seed: 13 + m);
            var g = new float[m * 70];
            var u = new float[m * 70];
            var fused = new float[m * 70];
            Int4TestData.With(isa, 2, () =>
            {
                gate.Multiply(x, g, m);
                up.Multiply(x, u, m);
                PackedInt4Matrix.MultiplySiluGateUp(x, gate, up, fused, m);
            });
            AwqSharp.Kernels.Ops.SiluMultiply(g, u);
            Assert.True(g.AsSpan().SequenceEqual(fused), $"{isa} m={m}: fused gate/up differs from Multiply + Ops.SiluMultiply");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void OverwritesTheOutputAndNothingPastIt(Int4Isa isa)
    {
        var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(35, 144, 32, seed: 5));
        foreach (int m in new[] { 1, 17 })
        {
            var x = Int4TestData.Activations(m, 144, seed: 6);
            var y = Enumerable.Repeat(float.NaN, m * 35 + 19).ToArray();
            Int4TestData.With(isa, 2, () => packed.Multiply(x, y.AsSpan(0, m * 35 + 19), m));
            Assert.All(y.Take(m * 35), v => Assert.False(float.IsNaN(v)));
            Assert.All(y.Skip(m * 35), v => Assert.True(float.IsNaN(v)));
        }
    }

    [Fact]
    public void ZeroRowsDoNothing()
    {
        var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(4, 32, 32, seed: 1));
        packed.Multiply(ReadOnlySpan<float>.Empty, Span<float>.Empty, 0);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        var packed = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(4, 32, 32, seed: 1));
        var other = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(5, 32, 32, seed: 2));
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => packed.Multiply(new float[63], new float[8], 2)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => packed.Multiply(new float[64], new float[7], 2)).ParamName);
        Assert.Equal("bias", Assert.Throws<ArgumentException>(() => packed.Multiply(new float[32], new float[4], 1, new float[3])).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentOutOfRangeException>(() => packed.Multiply(new float[32], new float[4], -1)).ParamName);
        Assert.Equal("up", Assert.Throws<ArgumentException>(() => PackedInt4Matrix.MultiplySiluGateUp(new float[32], packed, other, new float[4], 1)).ParamName);
    }

    [Fact]
    public void ForcingAnUnsupportedPathFails()
    {
        foreach (var isa in Enum.GetValues<Int4Isa>().Where(i => !Int4Kernels.IsSupported(i)))
            Assert.Throws<PlatformNotSupportedException>(() => Int4Kernels.ForceIsa = isa);
        Assert.Throws<ArgumentOutOfRangeException>(() => Int4Kernels.ForceThreads = 0);
        Assert.True(Int4Kernels.IsSupported(Int4Kernels.BestSupported));
        Assert.Contains(Int4Isa.Scalar, Int4Kernels.SupportedPaths);
    }
}
