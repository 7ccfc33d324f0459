using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Portable 128-bit GEMV tile kernel (SSE / NEON): the AVX2 scheme on 4 lanes,
/// <c>s · (Σ q·x - z · Σ x)</c> per group and row.
/// </summary>
internal static unsafe class Int4GemvVector128
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* codes, float* scales, float* zeros, float* x, float* sums, int planes, int planesPerGroup, float* out4)
    {
        var mask = Vector128.Create(15u);
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector128<float> p0 = default, p1 = default, p2 = default, p3 = default;
        int group = 0, groupEnd = planesPerGroup;
        for (int p = 0; p < planes; p++)
        {
            if (p == groupEnd)
            {
                Fold(ref a0, ref a1, ref a2, ref a3, ref p0, ref p1, ref p2, ref p3, scales, zeros, sums, group);
                group++;
                groupEnd += planesPerGroup;
            }
            byte* c = codes + (long)(p / PackedInt4Matrix.PlanesPerChunk) * PackedInt4Matrix.TileChunkBytes;
            int shift = 4 * (p % PackedInt4Matrix.PlanesPerChunk);
            float* xp = x + p * PackedInt4Matrix.PlaneWeights;
            var x0 = Vector128.Load(xp);
            var x1 = Vector128.Load(xp + 4);
            var x2 = Vector128.Load(xp + 8);
            var x3 = Vector128.Load(xp + 12);
            p0 = Accumulate(c, shift, mask, x0, x1, x2, x3, p0);
            p1 = Accumulate(c + 64, shift, mask, x0, x1, x2, x3, p1);
            p2 = Accumulate(c + 128, shift, mask, x0, x1, x2, x3, p2);
            p3 = Accumulate(c + 192, shift, mask, x0, x1, x2, x3, p3);
        }
        Fold(ref a0, ref a1, ref a2, ref a3, ref p0, ref p1, ref p2, ref p3, scales, zeros, sums, group);
        out4[0] = Vector128.Sum(a0);
        out4[1] = Vector128.Sum(a1);
        out4[2] = Vector128.Sum(a2);
        out4[3] = Vector128.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Accumulate(byte* row, int shift, Vector128<uint> mask,
        Vector128<float> x0, Vector128<float> x1, Vector128<float> x2, Vector128<float> x3, Vector128<float> acc)
    {
        acc = Vector128.FusedMultiplyAdd(Codes(row, shift, mask), x0, acc);
        acc = Vector128.FusedMultiplyAdd(Codes(row + 16, shift, mask), x1, acc);
        acc = Vector128.FusedMultiplyAdd(Codes(row + 32, shift, mask), x2, acc);
        return Vector128.FusedMultiplyAdd(Codes(row + 48, shift, mask), x3, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Codes(byte* words, int shift, Vector128<uint> mask) =>
        Vector128.ConvertToSingle((Vector128.ShiftRightLogical(Vector128.Load((uint*)words), shift) & mask).AsInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(ref Vector128<float> a0, ref Vector128<float> a1, ref Vector128<float> a2, ref Vector128<float> a3,
        ref Vector128<float> p0, ref Vector128<float> p1, ref Vector128<float> p2, ref Vector128<float> p3,
        float* scales, float* zeros, float* sums, int group)
    {
        var xs = Vector128.Load(sums + group * 4);
        float* s = scales + group * PackedInt4Matrix.RowsPerTile, z = zeros + group * PackedInt4Matrix.RowsPerTile;
        a0 = Vector128.FusedMultiplyAdd(Vector128.Create(s[0]), Vector128.FusedMultiplyAdd(Vector128.Create(-z[0]), xs, p0), a0);
        a1 = Vector128.FusedMultiplyAdd(Vector128.Create(s[1]), Vector128.FusedMultiplyAdd(Vector128.Create(-z[1]), xs, p1), a1);
        a2 = Vector128.FusedMultiplyAdd(Vector128.Create(s[2]), Vector128.FusedMultiplyAdd(Vector128.Create(-z[2]), xs, p2), a2);
        a3 = Vector128.FusedMultiplyAdd(Vector128.Create(s[3]), Vector128.FusedMultiplyAdd(Vector128.Create(-z[3]), xs, p3), a3);
        p0 = p1 = p2 = p3 = default;
    }
}
