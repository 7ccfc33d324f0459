using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// AVX2 GEMV tile kernel (8 lanes): per group and row it accumulates <c>Σ q · x</c> (codes masked,
/// converted to float) and folds it into the row's total as <c>s · (Σ q·x - z · Σ x)</c>, the lane sums
/// <c>Σ x</c> of the group coming precomputed once per activation row.
/// </summary>
internal static unsafe class Int4GemvAvx2
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* codes, float* scales, float* zeros, float* x, float* sums, int planes, int planesPerGroup, float* out4)
    {
        var mask = Vector256.Create(15u);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> p0 = default, p1 = default, p2 = default, p3 = default;
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
            if (p % PackedInt4Matrix.PlanesPerChunk == 0)
            {
                // 8 chunks ahead, as the AVX-512 kernel does: the hardware prefetchers alone fall behind.
                Sse.Prefetch0(c + 2048);
                Sse.Prefetch0(c + 2048 + 64);
                Sse.Prefetch0(c + 2048 + 128);
                Sse.Prefetch0(c + 2048 + 192);
            }
            int shift = 4 * (p % PackedInt4Matrix.PlanesPerChunk);
            var xl = Vector256.Load(x + p * PackedInt4Matrix.PlaneWeights);
            var xh = Vector256.Load(x + p * PackedInt4Matrix.PlaneWeights + 8);
            p0 = Accumulate(c, shift, mask, xl, xh, p0);
            p1 = Accumulate(c + 64, shift, mask, xl, xh, p1);
            p2 = Accumulate(c + 128, shift, mask, xl, xh, p2);
            p3 = Accumulate(c + 192, shift, mask, xl, xh, p3);
        }
        Fold(ref a0, ref a1, ref a2, ref a3, ref p0, ref p1, ref p2, ref p3, scales, zeros, sums, group);
        out4[0] = Vector256.Sum(a0);
        out4[1] = Vector256.Sum(a1);
        out4[2] = Vector256.Sum(a2);
        out4[3] = Vector256.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(byte* row, int shift, Vector256<uint> mask, Vector256<float> xl, Vector256<float> xh, Vector256<float> acc)
    {
        var ql = Vector256.ConvertToSingle((Vector256.ShiftRightLogical(Vector256.Load((uint*)row), shift) & mask).AsInt32());
        var qh = Vector256.ConvertToSingle((Vector256.ShiftRightLogical(Vector256.Load((uint*)(row + 32)), shift) & mask).AsInt32());
        return Vector256.FusedMultiplyAdd(qh, xh, Vector256.FusedMultiplyAdd(ql, xl, acc));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(ref Vector256<float> a0, ref Vector256<float> a1, ref Vector256<float> a2, ref Vector256<float> a3,
        ref Vector256<float> p0, ref Vector256<float> p1, ref Vector256<float> p2, ref Vector256<float> p3,
        float* scales, float* zeros, float* sums, int group)
    {
        var xs = Vector256.Load(sums + group * 8);
        float* s = scales + group * PackedInt4Matrix.RowsPerTile, z = zeros + group * PackedInt4Matrix.RowsPerTile;
        a0 = Vector256.FusedMultiplyAdd(Vector256.Create(s[0]), Vector256.FusedMultiplyAdd(Vector256.Create(-z[0]), xs, p0), a0);
        a1 = Vector256.FusedMultiplyAdd(Vector256.Create(s[1]), Vector256.FusedMultiplyAdd(Vector256.Create(-z[1]), xs, p1), a1);
        a2 = Vector256.FusedMultiplyAdd(Vector256.Create(s[2]), Vector256.FusedMultiplyAdd(Vector256.Create(-z[2]), xs, p2), a2);
        a3 = Vector256.FusedMultiplyAdd(Vector256.Create(s[3]), Vector256.FusedMultiplyAdd(Vector256.Create(-z[3]), xs, p3), a3);
        p0 = p1 = p2 = p3 = default;
    }
}
