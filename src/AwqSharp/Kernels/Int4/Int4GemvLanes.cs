using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The AVX2 and portable GEMV tile kernel, written once for a lane width L (8 or 4, see
/// <see cref="IInt4GemvLanes{TVector}"/>): per group and row it accumulates <c>Σ q · x</c> in L lanes
/// (codes shifted, masked, converted to float) and folds it into the row's total as
/// <c>s · (Σ q·x - z · Σ x)</c>, the lane sums <c>Σ x</c> of the group coming precomputed once per
/// activation row (<see cref="Int4GemvActivations"/>, with the same L).
/// </summary>
internal static unsafe class Int4GemvLanes
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TLanes, TVector>(byte* codes, float* scales, float* zeros, float* x, float* sums, int planes, int planesPerGroup, float* out4)
        where TLanes : struct, IInt4GemvLanes<TVector>
        where TVector : struct
    {
        Debug.Assert(TLanes.Count is 8 or 4, "a plane is 2 or 4 vectors");
        var mask = TLanes.NibbleMask;
        TVector a0 = default, a1 = default, a2 = default, a3 = default;
        TVector p0 = default, p1 = default, p2 = default, p3 = default;
        int group = 0, groupEnd = planesPerGroup;
        for (int p = 0; p < planes; p++)
        {
            if (p == groupEnd)
            {
                Fold<TLanes, TVector>(ref a0, ref a1, ref a2, ref a3, ref p0, ref p1, ref p2, ref p3, scales, zeros, sums, group);
                group++;
                groupEnd += planesPerGroup;
            }
            byte* c = codes + (long)(p / PackedInt4Matrix.PlanesPerChunk) * PackedInt4Matrix.TileChunkBytes;
            if (p % PackedInt4Matrix.PlanesPerChunk == 0) TLanes.Prefetch(c);
            int shift = 4 * (p % PackedInt4Matrix.PlanesPerChunk);
            // The plane's 16 activations as 2 or 4 vectors, loaded once for the 4 rows (Count is a JIT-time constant).
            float* xp = x + p * PackedInt4Matrix.PlaneWeights;
            TVector x0 = TLanes.Load(xp), x1 = TLanes.Load(xp + TLanes.Count), x2 = default, x3 = default;
            if (TLanes.Count == 4)
            {
                x2 = TLanes.Load(xp + 8);
                x3 = TLanes.Load(xp + 12);
            }
            p0 = Accumulate<TLanes, TVector>(c, shift, mask, x0, x1, x2, x3, p0);
            p1 = Accumulate<TLanes, TVector>(c + 64, shift, mask, x0, x1, x2, x3, p1);
            p2 = Accumulate<TLanes, TVector>(c + 128, shift, mask, x0, x1, x2, x3, p2);
            p3 = Accumulate<TLanes, TVector>(c + 192, shift, mask, x0, x1, x2, x3, p3);
        }
        Fold<TLanes, TVector>(ref a0, ref a1, ref a2, ref a3, ref p0, ref p1, ref p2, ref p3, scales, zeros, sums, group);
        out4[0] = TLanes.Sum(a0);
        out4[1] = TLanes.Sum(a1);
        out4[2] = TLanes.Sum(a2);
        out4[3] = TLanes.Sum(a3);
    }

    /// <summary>acc + Σ q · x over one row's 16 words of a plane, one FMA per vector in order (x2, x3 unused on 8 lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Accumulate<TLanes, TVector>(byte* row, int shift, TVector mask, TVector x0, TVector x1, TVector x2, TVector x3, TVector acc)
        where TLanes : struct, IInt4GemvLanes<TVector>
        where TVector : struct
    {
        const int wordBytes = sizeof(uint);
        acc = TLanes.MultiplyAdd(TLanes.Codes(row, shift, mask), x0, acc);
        acc = TLanes.MultiplyAdd(TLanes.Codes(row + TLanes.Count * wordBytes, shift, mask), x1, acc);
        if (TLanes.Count == 8) return acc;
        acc = TLanes.MultiplyAdd(TLanes.Codes(row + 8 * wordBytes, shift, mask), x2, acc);
        return TLanes.MultiplyAdd(TLanes.Codes(row + 12 * wordBytes, shift, mask), x3, acc);
    }

    /// <summary>a_r += s_r · (p_r - z_r · Σx) for the group's 4 rows, then clears the partial sums p_r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold<TLanes, TVector>(ref TVector a0, ref TVector a1, ref TVector a2, ref TVector a3,
        ref TVector p0, ref TVector p1, ref TVector p2, ref TVector p3,
        float* scales, float* zeros, float* sums, int group)
        where TLanes : struct, IInt4GemvLanes<TVector>
        where TVector : struct
    {
        var xs = TLanes.Load(sums + group * TLanes.Count);
        float* s = scales + group * PackedInt4Matrix.RowsPerTile, z = zeros + group * PackedInt4Matrix.RowsPerTile;
        a0 = TLanes.MultiplyAdd(TLanes.Broadcast(s[0]), TLanes.MultiplyAdd(TLanes.Broadcast(-z[0]), xs, p0), a0);
        a1 = TLanes.MultiplyAdd(TLanes.Broadcast(s[1]), TLanes.MultiplyAdd(TLanes.Broadcast(-z[1]), xs, p1), a1);
        a2 = TLanes.MultiplyAdd(TLanes.Broadcast(s[2]), TLanes.MultiplyAdd(TLanes.Broadcast(-z[2]), xs, p2), a2);
        a3 = TLanes.MultiplyAdd(TLanes.Broadcast(s[3]), TLanes.MultiplyAdd(TLanes.Broadcast(-z[3]), xs, p3), a3);
        p0 = p1 = p2 = p3 = default;
    }
}
