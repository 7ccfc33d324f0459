using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels;

/// <summary>
/// Causal GQA attention, generic over the vector path. A work item is one kv head × one block of queries; its
/// rows are (query head of the group, query position) pairs, so decoding (one position) still fills register
/// tiles with the group's heads, and every row of an item shares one transposed copy of the item's keys.
/// </summary>
/// <remarks>
/// Per item: keys are transposed to <c>Kᵀ[headDim][positions]</c>, so scores are a register-tiled product with
/// vectors along positions (no horizontal sums). Rows are processed <see cref="RowChunk"/> at a time: scores,
/// float64-summed softmax over each row's visible positions (zeros past them), then the probability-weighted sum
/// of values. Per element every sum runs in one fixed order (scores: fused multiply-adds along the head
/// dimension; outputs: along positions), independent of blocks and threads, which also makes decoding position
/// <c>t</c> alone bitwise equal to row <c>t</c> of a prefill.
/// </remarks>
internal static unsafe class AttentionKernel<TVec, TSimd>
    where TVec : struct
    where TSimd : struct, ISimd<TVec>
{
    /// <summary>Score rows held at once per thread.</summary>
    private const int RowChunk = 32;

    /// <summary>Positions are padded to a multiple of this (two vectors of the widest path).</summary>
    private const int PositionPad = 32;

    public static void Run(AttentionShape a, int degree)
    {
        int qBlock = a.Tq == 1 ? 1 : Attention.QueryBlock;
        int qBlocks = (a.Tq + qBlock - 1) / qBlock;
        int padded = RoundUp(a.Positions, PositionPad);
        long work = (long)a.NHeads * a.Tq * a.Positions * a.HeadDim;
        int threads = work < MatMul.ParallelMinMultiplyAdds ? 1 : degree;
        Parallelism.For(a.NKvHeads * qBlocks, threads,
            () => new PinnedScratch(a.HeadDim * padded + RowChunk * padded),
            (item, scratch) => RunItem(a, item / qBlocks, item % qBlocks * qBlock, Math.Min(qBlock, a.Tq - item % qBlocks * qBlock),
                scratch.Pointer, scratch.Pointer + (long)a.HeadDim * padded),
            scratch => scratch.Dispose());
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Kv head <paramref name="kvHead"/>, queries <c>[t0, t0 + count)</c>, every head of the group.</summary>
    private static void RunItem(in AttentionShape a, int kvHead, int t0, int count, float* keysT, float* scores)
    {
        int group = a.NHeads / a.NKvHeads;
        int keys = a.StartPos + t0 + count; // positions visible to the block's last query
        int ldt = RoundUp(keys, PositionPad);
        TransposeKeys(a.K + (long)kvHead * a.HeadDim, a.Ldkv, keys, a.HeadDim, keysT, ldt);
        float scale = 1f / MathF.Sqrt(a.HeadDim);
        float* vBase = a.V + (long)kvHead * a.HeadDim;

        int rows = group * count;
        float** q = stackalloc float*[4];
        float** o = stackalloc float*[4];
        float** p = stackalloc float*[4];
        for (int r0 = 0; r0 < rows; r0 += RowChunk)
        {
            int chunk = Math.Min(RowChunk, rows - r0);
            for (int r = 0; r < chunk; r += 4)
            {
                int n = Math.Min(4, chunk - r);
                for (int i = 0; i < 4; i++) q[i] = QueryRow(a, kvHead, group, t0, count, r0 + r + Math.Min(i, n - 1));
                Scores(q, a.HeadDim, keysT, ldt, scale, scores + (long)r * ldt, ldt);
            }
            for (int r = 0; r < chunk; r++)
            {
                int visible = a.StartPos + t0 + (r0 + r) % count + 1;
                var row = new Span<float>(scores + (long)r * ldt, keys);
                Ops.Softmax(row[..visible]);
                row[visible..].Clear();
            }
            for (int r = 0; r < chunk; r += 4)
            {
                int n = Math.Min(4, chunk - r);
                for (int i = 0; i < 4; i++)
                {
                    int ri = r + Math.Min(i, n - 1);
                    p[i] = scores + (long)ri * ldt;
                    o[i] = OutputRow(a, kvHead, group, t0, count, r0 + ri);
                }
                WeightedSum(p, n, keys, vBase, a.Ldkv, a.HeadDim, o);
            }
        }
    }

    /// <summary>Row <paramref name="row"/> of an item is head <c>row / count</c> of the group at query <c>t0 + row % count</c>.</summary>
    private static float* QueryRow(in AttentionShape a, int kvHead, int group, int t0, int count, int row)
        => a.Q + (long)(t0 + row % count) * a.Ldq + (long)(kvHead * group + row / count) * a.HeadDim;

    private static float* OutputRow(in AttentionShape a, int kvHead, int group, int t0, int count, int row)
        => a.Output + (long)(t0 + row % count) * a.Ldq + (long)(kvHead * group + row / count) * a.HeadDim;

    /// <summary><c>kt[d · ldt + j] = k[j · ldk + d]</c> for <c>j &lt; keys</c>, zeros up to <paramref name="ldt"/>.</summary>
    private static void TransposeKeys(float* k, int ldk, int keys, int headDim, float* kt, int ldt)
    {
        int j = 0, d8 = 0;
        if (Avx.IsSupported && TSimd.Count >= 8)
        {
            d8 = headDim & ~7;
            for (; j + 8 <= keys; j += 8)
                for (int d = 0; d < d8; d += 8)
                    Transpose8x8.Run(k + (long)j * ldk + d, ldk, kt + (long)d * ldt + j, ldt);
        }
        for (int d = 0; d < headDim; d++)
        {
            float* dst = kt + (long)d * ldt;
            // Columns already transposed in 8 x 8 blocks start at j; the rest of the row is scalar.
            for (int jj = d < d8 ? j : 0; jj < keys; jj++) dst[jj] = k[(long)jj * ldk + d];
            for (int jj = keys; jj < ldt; jj++) dst[jj] = 0f;
        }
    }

    /// <summary>
    /// <c>s[i, j] = (q_i · k_j) · scale</c> for four query rows and every padded position: a 4-row × 2-vector
    /// register tile, fused multiply-adds along the head dimension.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float** q, int headDim, float* kt, int ldt, float scale, float* s, int lds)
    {
        int vc = TSimd.Count;
        float* q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
        TVec sv = TSimd.Broadcast(scale);
        for (int j = 0; j < ldt; j += 2 * vc)
        {
            TVec a00 = TSimd.Zero, a01 = TSimd.Zero, a10 = TSimd.Zero, a11 = TSimd.Zero;
            TVec a20 = TSimd.Zero, a21 = TSimd.Zero, a30 = TSimd.Zero, a31 = TSimd.Zero;
            float* kd = kt + j;
            for (int d = 0; d < headDim; d++, kd += ldt)
            {
                TVec k0 = TSimd.Load(kd), k1 = TSimd.Load(kd + vc);
                TVec x = TSimd.Broadcast(q0 + d); a00 = TSimd.MulAdd(x, k0, a00); a01 = TSimd.MulAdd(x, k1, a01);
                x = TSimd.Broadcast(q1 + d); a10 = TSimd.MulAdd(x, k0, a10); a11 = TSimd.MulAdd(x, k1, a11);
                x = TSimd.Broadcast(q2 + d); a20 = TSimd.MulAdd(x, k0, a20); a21 = TSimd.MulAdd(x, k1, a21);
                x = TSimd.Broadcast(q3 + d); a30 = TSimd.MulAdd(x, k0, a30); a31 = TSimd.MulAdd(x, k1, a31);
            }
            // Rows past the caller's count alias a valid row: writing them is harmless (same values, own buffer rows).
            TSimd.Store(s + j, TSimd.Multiply(a00, sv)); TSimd.Store(s + j + vc, TSimd.Multiply(a01, sv));
            TSimd.Store(s + lds + j, TSimd.Multiply(a10, sv)); TSimd.Store(s + lds + j + vc, TSimd.Multiply(a11, sv));
            TSimd.Store(s + 2L * lds + j, TSimd.Multiply(a20, sv)); TSimd.Store(s + 2L * lds + j + vc, TSimd.Multiply(a21, sv));
            TSimd.Store(s + 3L * lds + j, TSimd.Multiply(a30, sv)); TSimd.Store(s + 3L * lds + j + vc, TSimd.Multiply(a31, sv));
        }
    }

    /// <summary>
    /// <c>o_i[:] = Σ_j p_i[j] · v[j, :]</c> for up to four rows (<paramref name="n"/> valid; the rest alias row 0..n-1
    /// and are not stored): tiles of 4 rows × 2 vectors of the head, fused multiply-adds in position order;
    /// head-dimension leftovers in scalar code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum(float** p, int n, int keys, float* v, int ldv, int headDim, float** o)
    {
        int vc = TSimd.Count;
        float* p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3];
        int d = 0;
        for (; d <= headDim - 2 * vc; d += 2 * vc)
        {
            TVec a00 = TSimd.Zero, a01 = TSimd.Zero, a10 = TSimd.Zero, a11 = TSimd.Zero;
            TVec a20 = TSimd.Zero, a21 = TSimd.Zero, a30 = TSimd.Zero, a31 = TSimd.Zero;
            float* vj = v + d;
            for (int j = 0; j < keys; j++, vj += ldv)
            {
                TVec v0 = TSimd.Load(vj), v1 = TSimd.Load(vj + vc);
                TVec w = TSimd.Broadcast(p0 + j); a00 = TSimd.MulAdd(w, v0, a00); a01 = TSimd.MulAdd(w, v1, a01);
                w = TSimd.Broadcast(p1 + j); a10 = TSimd.MulAdd(w, v0, a10); a11 = TSimd.MulAdd(w, v1, a11);
                w = TSimd.Broadcast(p2 + j); a20 = TSimd.MulAdd(w, v0, a20); a21 = TSimd.MulAdd(w, v1, a21);
                w = TSimd.Broadcast(p3 + j); a30 = TSimd.MulAdd(w, v0, a30); a31 = TSimd.MulAdd(w, v1, a31);
            }
            TSimd.Store(o[0] + d, a00); TSimd.Store(o[0] + d + vc, a01);
            if (n > 1) { TSimd.Store(o[1] + d, a10); TSimd.Store(o[1] + d + vc, a11); }
            if (n > 2) { TSimd.Store(o[2] + d, a20); TSimd.Store(o[2] + d + vc, a21); }
            if (n > 3) { TSimd.Store(o[3] + d, a30); TSimd.Store(o[3] + d + vc, a31); }
        }
        for (; d <= headDim - vc; d += vc)
        {
            TVec a0 = TSimd.Zero, a1 = TSimd.Zero, a2 = TSimd.Zero, a3 = TSimd.Zero;
            float* vj = v + d;
            for (int j = 0; j < keys; j++, vj += ldv)
            {
                TVec v0 = TSimd.Load(vj);
                a0 = TSimd.MulAdd(TSimd.Broadcast(p0 + j), v0, a0);
                a1 = TSimd.MulAdd(TSimd.Broadcast(p1 + j), v0, a1);
                a2 = TSimd.MulAdd(TSimd.Broadcast(p2 + j), v0, a2);
                a3 = TSimd.MulAdd(TSimd.Broadcast(p3 + j), v0, a3);
            }
            TSimd.Store(o[0] + d, a0);
            if (n > 1) TSimd.Store(o[1] + d, a1);
            if (n > 2) TSimd.Store(o[2] + d, a2);
            if (n > 3) TSimd.Store(o[3] + d, a3);
        }
        for (; d < headDim; d++)
        {
            for (int i = 0; i < n; i++)
            {
                float s = 0;
                for (int j = 0; j < keys; j++) s += p[i][j] * v[(long)j * ldv + d];
                o[i][d] = s;
            }
        }
    }
}
