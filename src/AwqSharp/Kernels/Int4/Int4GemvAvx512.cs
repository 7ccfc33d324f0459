using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// AVX-512 GEMV tile kernel. Per group and row it builds the 16-entry table <c>T[j] = (j - z) · s</c>
/// (exactly the dequantized values), then per 16-input plane: <c>vpermps</c> looks the codes up by the
/// low nibble of each 32-bit word (it ignores the upper bits, so no masking), an FMA accumulates
/// <c>T[q] · x</c>. The codes of plane 2t are the low nibbles of byte t of every word, so an
/// (unaligned) load at byte offset t brings them to bits 0..3, and plane 2t + 1 is that vector shifted
/// right by 4: per 128 weights and row, 8 lookups, 8 FMAs, 4 shifts and 4 loads.
/// </summary>
internal static unsafe class Int4GemvAvx512
{
    /// <summary>
    /// Bytes ahead of the current chunk the kernels prefetch (8 chunks): the hardware prefetchers alone
    /// leave a compute-heavy stream ~30% short of what the core can process (measured on Zen 4).
    /// </summary>
    private const int PrefetchDistance = 2048;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* codes, float* scales, float* zeros, float* x, int planes, int planesPerGroup, float* out4)
    {
        var iota = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
        Vector512<int> q0 = default, q1 = default, q2 = default, q3 = default;
        float* s = scales - PackedInt4Matrix.RowsPerTile, z = zeros - PackedInt4Matrix.RowsPerTile;
        int nextGroup = 0;
        for (int p0 = 0; p0 < planes; p0 += PackedInt4Matrix.PlanesPerChunk, codes += PackedInt4Matrix.TileChunkBytes)
        {
            Prefetch(codes);
            int pEnd = Math.Min(planes, p0 + PackedInt4Matrix.PlanesPerChunk);
            for (int p = p0; p < pEnd; p++)
            {
                if (p == nextGroup)
                {
                    s += PackedInt4Matrix.RowsPerTile; z += PackedInt4Matrix.RowsPerTile;
                    nextGroup += planesPerGroup;
                    t0 = (iota - Vector512.Create(z[0])) * Vector512.Create(s[0]);
                    t1 = (iota - Vector512.Create(z[1])) * Vector512.Create(s[1]);
                    t2 = (iota - Vector512.Create(z[2])) * Vector512.Create(s[2]);
                    t3 = (iota - Vector512.Create(z[3])) * Vector512.Create(s[3]);
                }
                // Planes 2t sit in the low nibble of byte t of each word: a load at byte offset t puts them at
                // bits 0..3; planes 2t + 1 are those words shifted right by 4.
                int j = p - p0;
                if ((j & 1) == 0)
                {
                    byte* at = codes + (j >> 1);
                    q0 = Vector512.Load((int*)at);
                    q1 = Vector512.Load((int*)(at + 64));
                    q2 = Vector512.Load((int*)(at + 128));
                    q3 = Vector512.Load((int*)(at + 192));
                }
                else
                {
                    q0 = Avx512F.ShiftRightLogical(q0, 4);
                    q1 = Avx512F.ShiftRightLogical(q1, 4);
                    q2 = Avx512F.ShiftRightLogical(q2, 4);
                    q3 = Avx512F.ShiftRightLogical(q3, 4);
                }
                var xv = Vector512.Load(x + p * PackedInt4Matrix.PlaneWeights);
                a0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t0, q0), xv, a0);
                a1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t1, q1), xv, a1);
                a2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t2, q2), xv, a2);
                a3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t3, q3), xv, a3);
            }
        }
        out4[0] = Vector512.Sum(a0);
        out4[1] = Vector512.Sum(a1);
        out4[2] = Vector512.Sum(a2);
        out4[3] = Vector512.Sum(a3);
    }

    /// <summary>
    /// Four activation rows at once (<paramref name="x"/>[i] for i = 0..3) over the same tile: the table
    /// lookup is shared, only the FMAs are per row, so a batch of 4 costs 1.5 vector ops per 16 weights and
    /// row instead of 3. Every (row, output) FMA chain is the one <see cref="Tile"/> computes: bitwise equal.
    /// <paramref name="out16"/>[i · 4 + r] receives row i, output r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4Rows(byte* codes, float* scales, float* zeros, float** x, int planes, int planesPerGroup, float* out16)
    {
        var iota = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
        float* x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
        float* s = scales - PackedInt4Matrix.RowsPerTile, z = zeros - PackedInt4Matrix.RowsPerTile;
        int nextGroup = 0;
        Vector512<int> q0 = default, q1 = default, q2 = default, q3 = default;
        for (int p0 = 0; p0 < planes; p0 += PackedInt4Matrix.PlanesPerChunk, codes += PackedInt4Matrix.TileChunkBytes)
        {
            Prefetch(codes);
            int pEnd = Math.Min(planes, p0 + PackedInt4Matrix.PlanesPerChunk);
            for (int p = p0; p < pEnd; p++)
            {
                if (p == nextGroup)
                {
                    s += PackedInt4Matrix.RowsPerTile; z += PackedInt4Matrix.RowsPerTile;
                    nextGroup += planesPerGroup;
                    t0 = (iota - Vector512.Create(z[0])) * Vector512.Create(s[0]);
                    t1 = (iota - Vector512.Create(z[1])) * Vector512.Create(s[1]);
                    t2 = (iota - Vector512.Create(z[2])) * Vector512.Create(s[2]);
                    t3 = (iota - Vector512.Create(z[3])) * Vector512.Create(s[3]);
                }
                int j = p - p0;
                if ((j & 1) == 0)
                {
                    byte* c = codes + (j >> 1);
                    q0 = Vector512.Load((int*)c);
                    q1 = Vector512.Load((int*)(c + 64));
                    q2 = Vector512.Load((int*)(c + 128));
                    q3 = Vector512.Load((int*)(c + 192));
                }
                else
                {
                    q0 = Avx512F.ShiftRightLogical(q0, 4);
                    q1 = Avx512F.ShiftRightLogical(q1, 4);
                    q2 = Avx512F.ShiftRightLogical(q2, 4);
                    q3 = Avx512F.ShiftRightLogical(q3, 4);
                }
                int at = p * PackedInt4Matrix.PlaneWeights;
                var v0 = Vector512.Load(x0 + at);
                var v1 = Vector512.Load(x1 + at);
                var v2 = Vector512.Load(x2 + at);
                var v3 = Vector512.Load(x3 + at);
                var w = Avx512F.PermuteVar16x32(t0, q0);
                a00 = Avx512F.FusedMultiplyAdd(w, v0, a00); a10 = Avx512F.FusedMultiplyAdd(w, v1, a10);
                a20 = Avx512F.FusedMultiplyAdd(w, v2, a20); a30 = Avx512F.FusedMultiplyAdd(w, v3, a30);
                w = Avx512F.PermuteVar16x32(t1, q1);
                a01 = Avx512F.FusedMultiplyAdd(w, v0, a01); a11 = Avx512F.FusedMultiplyAdd(w, v1, a11);
                a21 = Avx512F.FusedMultiplyAdd(w, v2, a21); a31 = Avx512F.FusedMultiplyAdd(w, v3, a31);
                w = Avx512F.PermuteVar16x32(t2, q2);
                a02 = Avx512F.FusedMultiplyAdd(w, v0, a02); a12 = Avx512F.FusedMultiplyAdd(w, v1, a12);
                a22 = Avx512F.FusedMultiplyAdd(w, v2, a22); a32 = Avx512F.FusedMultiplyAdd(w, v3, a32);
                w = Avx512F.PermuteVar16x32(t3, q3);
                a03 = Avx512F.FusedMultiplyAdd(w, v0, a03); a13 = Avx512F.FusedMultiplyAdd(w, v1, a13);
                a23 = Avx512F.FusedMultiplyAdd(w, v2, a23); a33 = Avx512F.FusedMultiplyAdd(w, v3, a33);
            }
        }
        out16[0] = Vector512.Sum(a00); out16[1] = Vector512.Sum(a01); out16[2] = Vector512.Sum(a02); out16[3] = Vector512.Sum(a03);
        out16[4] = Vector512.Sum(a10); out16[5] = Vector512.Sum(a11); out16[6] = Vector512.Sum(a12); out16[7] = Vector512.Sum(a13);
        out16[8] = Vector512.Sum(a20); out16[9] = Vector512.Sum(a21); out16[10] = Vector512.Sum(a22); out16[11] = Vector512.Sum(a23);
        out16[12] = Vector512.Sum(a30); out16[13] = Vector512.Sum(a31); out16[14] = Vector512.Sum(a32); out16[15] = Vector512.Sum(a33);
    }

    /// <summary>Prefetches the 4 cache lines of the chunk <see cref="PrefetchDistance"/> bytes ahead (harmless past the end: prefetches never fault).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* codes)
    {
        Sse.Prefetch0(codes + PrefetchDistance);
        Sse.Prefetch0(codes + PrefetchDistance + 64);
        Sse.Prefetch0(codes + PrefetchDistance + 128);
        Sse.Prefetch0(codes + PrefetchDistance + 192);
    }
}
