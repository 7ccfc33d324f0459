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
    /// <summary>out4[r] = Σ_k W[4·tile + r, k] · x[k] for r = 0..3.</summary>
    public static void Tile(byte* codes, float* scales, float* zeros, float* x, int planes, int planesPerGroup, float* out4) =>
        Tile<OneRow>(codes, scales, zeros, &x, planes, planesPerGroup, out4);

    /// <summary>
    /// Four activation rows at once (<paramref name="x"/>[i] for i = 0..3) over the same tile: the table
    /// lookup is shared, only the FMAs are per row, so a batch of 4 costs 1.5 vector ops per 16 weights and
    /// row instead of 3. Every (row, output) FMA chain is the one <see cref="Tile(byte*, float*, float*, float*, int, int, float*)"/>
    /// computes: bitwise equal. <paramref name="out16"/>[i · 4 + r] receives row i, output r.
    /// </summary>
    public static void Tile4Rows(byte* codes, float* scales, float* zeros, float** x, int planes, int planesPerGroup, float* out16) =>
        Tile<FourRows>(codes, scales, zeros, x, planes, planesPerGroup, out16);

    /// <summary>The kernel for <typeparamref name="TRows"/>.Count activation rows (1 or 4): the JIT compiles it once per count and drops the accumulators, loads and FMAs of the rows it lacks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(byte* codes, float* scales, float* zeros, float** x, int planes, int planesPerGroup, float* outs)
        where TRows : struct, IRowCount
    {
        var iota = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        // a{i}{r}: activation row i, output row r.
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
        Vector512<int> q0 = default, q1 = default, q2 = default, q3 = default;
        float* x0 = x[0], x1 = null, x2 = null, x3 = null;
        if (TRows.Count == 4)
        {
            x1 = x[1];
            x2 = x[2];
            x3 = x[3];
        }
        float* s = scales - PackedInt4Matrix.RowsPerTile, z = zeros - PackedInt4Matrix.RowsPerTile;
        int nextGroup = 0;
        for (int p0 = 0; p0 < planes; p0 += PackedInt4Matrix.PlanesPerChunk, codes += PackedInt4Matrix.TileChunkBytes)
        {
            Int4Prefetch.Chunk(codes);
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
                Vector512<float> v1 = default, v2 = default, v3 = default;
                if (TRows.Count == 4)
                {
                    v1 = Vector512.Load(x1 + at);
                    v2 = Vector512.Load(x2 + at);
                    v3 = Vector512.Load(x3 + at);
                }
                Accumulate<TRows>(Avx512F.PermuteVar16x32(t0, q0), v0, v1, v2, v3, ref a00, ref a10, ref a20, ref a30);
                Accumulate<TRows>(Avx512F.PermuteVar16x32(t1, q1), v0, v1, v2, v3, ref a01, ref a11, ref a21, ref a31);
                Accumulate<TRows>(Avx512F.PermuteVar16x32(t2, q2), v0, v1, v2, v3, ref a02, ref a12, ref a22, ref a32);
                Accumulate<TRows>(Avx512F.PermuteVar16x32(t3, q3), v0, v1, v2, v3, ref a03, ref a13, ref a23, ref a33);
            }
        }
        outs[0] = Vector512.Sum(a00); outs[1] = Vector512.Sum(a01); outs[2] = Vector512.Sum(a02); outs[3] = Vector512.Sum(a03);
        if (TRows.Count == 4)
        {
            outs[4] = Vector512.Sum(a10); outs[5] = Vector512.Sum(a11); outs[6] = Vector512.Sum(a12); outs[7] = Vector512.Sum(a13);
            outs[8] = Vector512.Sum(a20); outs[9] = Vector512.Sum(a21); outs[10] = Vector512.Sum(a22); outs[11] = Vector512.Sum(a23);
            outs[12] = Vector512.Sum(a30); outs[13] = Vector512.Sum(a31); outs[14] = Vector512.Sum(a32); outs[15] = Vector512.Sum(a33);
        }
    }

    /// <summary>a_i += w · v_i for each activation row i the kernel has (w: one output row's dequantized weights of the plane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TRows>(Vector512<float> w, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        ref Vector512<float> a0, ref Vector512<float> a1, ref Vector512<float> a2, ref Vector512<float> a3)
        where TRows : struct, IRowCount
    {
        a0 = Avx512F.FusedMultiplyAdd(w, v0, a0);
        if (TRows.Count == 4)
        {
            a1 = Avx512F.FusedMultiplyAdd(w, v1, a1);
            a2 = Avx512F.FusedMultiplyAdd(w, v2, a2);
            a3 = Avx512F.FusedMultiplyAdd(w, v3, a3);
        }
    }

    /// <summary>Activation rows per kernel call, as a type so the JIT specializes <see cref="Tile{TRows}"/> on it.</summary>
    private interface IRowCount
    {
        static abstract int Count { get; }
    }

    private readonly struct OneRow : IRowCount
    {
        public static int Count => 1;
    }

    private readonly struct FourRows : IRowCount
    {
        public static int Count => 4;
    }
}
