using System.Runtime.Intrinsics;
using AwqSharp.Kernels.Int4;

namespace AwqSharp.Tests.Kernels;

/// <summary>
/// Each SIMD GEMV path against a scalar model of its own arithmetic: the same roundings in the same
/// order, so the product must match to the bit. This pins down what the kernels compute (a rewrite
/// that reorders one FMA chain fails here, even when it stays within the float64 tolerance).
/// </summary>
public class Int4GemvArithmeticTests
{
    /// <summary>(out, in, group): ragged last groups, inputs that end inside a plane or a chunk, single groups of a size that is not a multiple of 16.</summary>
    private static readonly (int Out, int In, int Group)[] Shapes =
    [
        (37, 200, 32), (9, 384, 128), (30, 136, 136), (13, 1000, 128), (66, 768, 256),
        (5, 160, 32), (1, 48, 16), (40, 520, 520), (7, 1800, 400), (6, 2056, 64),
    ];

    public static TheoryData<Int4Isa> SimdPaths => Int4TestData.SupportedPaths(except: Int4Isa.Scalar);

    [Theory]
    [MemberData(nameof(SimdPaths))]
    public void GemvIsBitwiseTheModelOfItsPath(Int4Isa isa)
    {
        int seed = 0;
        foreach (var (outF, inF, group) in Shapes)
        {
            var q = Int4TestData.Weight(outF, inF, group, ++seed);
            var packed = PackedInt4Matrix.FromQuantized(q);
            Assert.True(packed.PlaneAligned, $"[{outF}x{inF}] g{group} would not run the SIMD kernel");
            // AVX-512 takes up to 4 rows per call (6 = 4 + 2 with a repeated spare row); the others one row at a time.
            foreach (int m in isa == Int4Isa.Avx512 ? new[] { 1, 3, 6 } : new[] { 1, 3 })
            {
                Assert.True(PackedInt4Matrix.UsesGemv(m, isa, packed));
                var x = Int4TestData.Activations(m, inF, ++seed);
                var y = new float[m * outF];
                Int4TestData.With(isa, 2, () => packed.Multiply(x, y, m));
                for (int i = 0; i < m; i++)
                {
                    var row = x.AsSpan(i * inF, inF);
                    for (int o = 0; o < outF; o++)
                    {
                        float expected = isa switch
                        {
                            Int4Isa.Avx512 => TableLookupModel(q, packed, o, row),
                            Int4Isa.Avx2 => LaneSumModel(q, packed, o, row, lanes: 8),
                            _ => LaneSumModel(q, packed, o, row, lanes: 4),
                        };
                        Assert.True(expected.Equals(y[i * outF + o]),
                            $"{isa} [{outF}x{inF}] g{group} m={m}: y[{i},{o}] = {y[i * outF + o]:R}, model {expected:R}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// The AVX-512 scheme: 16 lanes, lane e of plane p accumulating fma((q - z) · s, x, acc) for input
    /// 16p + e (the padding past the end is code 0 times input 0), then the vector sum.
    /// </summary>
    private static float TableLookupModel(AwqSharp.Quantization.QuantizedWeight q, PackedInt4Matrix packed, int o, ReadOnlySpan<float> x)
    {
        var acc = new float[16];
        for (int p = 0; p < packed.PlaneCount; p++)
        {
            int g = p / packed.PlanesPerGroup;
            float s = q.Scales[o * q.GroupCount + g], z = q.Zeros[o * q.GroupCount + g];
            for (int e = 0; e < 16; e++)
            {
                int k = 16 * p + e;
                float w = ((k < q.InFeatures ? q.Codes[o * q.InFeatures + k] : 0) - z) * s;
                acc[e] = MathF.FusedMultiplyAdd(w, k < q.InFeatures ? x[k] : 0f, acc[e]);
            }
        }
        return Vector512.Sum(Vector512.Create(acc));
    }

    /// <summary>
    /// The AVX2 / Vector128 scheme on <paramref name="lanes"/> lanes: per group, lane e accumulates
    /// fma(q, x, p) over the plane slices in order, then folds a = fma(s, fma(-z, Σx, p), a) with Σx the
    /// group's lane sums (summed plane by plane, slice by slice); finally the vector sum.
    /// </summary>
    private static float LaneSumModel(AwqSharp.Quantization.QuantizedWeight q, PackedInt4Matrix packed, int o, ReadOnlySpan<float> x, int lanes)
    {
        var a = new float[lanes];
        var partial = new float[lanes];
        var xs = new float[lanes];
        int ppg = packed.PlanesPerGroup;
        for (int p = 0; p < packed.PlaneCount; p++)
        {
            for (int v = 0; v < 16; v += lanes)
            {
                for (int e = 0; e < lanes; e++)
                {
                    int k = 16 * p + v + e;
                    float xk = k < q.InFeatures ? x[k] : 0f;
                    partial[e] = MathF.FusedMultiplyAdd(k < q.InFeatures ? q.Codes[o * q.InFeatures + k] : 0, xk, partial[e]);
                    xs[e] += xk;
                }
            }
            if (p % ppg == ppg - 1 || p == packed.PlaneCount - 1)
            {
                int g = p / ppg;
                float s = q.Scales[o * q.GroupCount + g], z = q.Zeros[o * q.GroupCount + g];
                for (int e = 0; e < lanes; e++)
                {
                    a[e] = MathF.FusedMultiplyAdd(s, MathF.FusedMultiplyAdd(-z, xs[e], partial[e]), a[e]);
                    partial[e] = xs[e] = 0;
                }
            }
        }
        return lanes == 8 ? Vector256.Sum(Vector256.Create(a)) : Vector128.Sum(Vector128.Create(a));
    }
}
