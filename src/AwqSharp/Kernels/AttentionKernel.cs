using System.Numerics.Tensors;

namespace AwqSharp.Kernels;

/// <summary>The attention work item: one head × one block of queries, generic over the vector path.</summary>
internal static unsafe class AttentionKernel<TVec, TSimd>
    where TVec : struct
    where TSimd : struct, ISimd<TVec>
{
    public static void Run(AttentionShape a, int degree)
    {
        int qBlocks = (a.Tq + Attention.QueryBlock - 1) / Attention.QueryBlock;
        int rowsPerBlock = Math.Min(Attention.QueryBlock, a.Tq);
        long work = (long)a.NHeads * a.Tq * a.Positions * a.HeadDim;
        int threads = work < MatMul.ParallelMinMultiplyAdds ? 1 : degree;
        Parallelism.For(a.NHeads * qBlocks, threads,
            () => new PinnedScratch(rowsPerBlock * a.Positions),
            (item, scores) => RunBlock(a, item / qBlocks, item % qBlocks * Attention.QueryBlock, scores.Pointer),
            scores => scores.Dispose());
    }

    /// <summary>Head <paramref name="head"/>, queries <c>[t0, t0 + QueryBlock)</c>.</summary>
    private static void RunBlock(in AttentionShape a, int head, int t0, float* scores)
    {
        int rows = Math.Min(Attention.QueryBlock, a.Tq - t0);
        int keys = a.StartPos + t0 + rows; // positions visible to the block's last query
        int kvHead = head / (a.NHeads / a.NKvHeads);
        float scale = 1f / MathF.Sqrt(a.HeadDim);
        float* qBase = a.Q + (long)t0 * a.Ldq + (long)head * a.HeadDim;
        float* kBase = a.K + (long)kvHead * a.HeadDim;
        float* vBase = a.V + (long)kvHead * a.HeadDim;

        // scores[r, j] = q_r · k_j for every key any row of the block sees (the block's upper triangle is discarded).
        var dots = new GemmOperands(qBase, a.Ldq, kBase, a.Ldkv, scores, keys, null, rows, a.HeadDim, keys);
        DotGemm<TVec, TSimd>.RunRows(dots, 0, keys);

        for (int r = 0; r < rows; r++)
        {
            int visible = a.StartPos + t0 + r + 1;
            var row = new Span<float>(scores + (long)r * keys, keys);
            TensorPrimitives.Multiply(row[..visible], scale, row[..visible]);
            Ops.Softmax(row[..visible]);
            row[visible..].Clear();
        }

        WeightedSum(scores, keys, rows, keys, vBase, a.Ldkv, a.HeadDim, a.Output + (long)t0 * a.Ldq + (long)head * a.HeadDim, a.Ldq);
    }

    /// <summary>
    /// <c>out[r, :] = Σ_j p[r, j] · v[j, :]</c> for <paramref name="rows"/> rows of probabilities (row stride
    /// <paramref name="ldp"/>) over <paramref name="keys"/> value rows. Tiles of 4 rows × 2 vectors of the head;
    /// per element the fused multiply-adds run in key order; head-dimension leftovers use scalar code.
    /// </summary>
    private static void WeightedSum(float* p, int ldp, int rows, int keys, float* v, int ldv, int headDim, float* output, int ldo)
    {
        int vc = TSimd.Count;
        for (int r0 = 0; r0 < rows; r0 += 4)
        {
            int nr = Math.Min(4, rows - r0);
            // Rows past the end alias the last valid row; their results are not stored.
            float* p0 = p + (long)r0 * ldp;
            float* p1 = p + (long)(r0 + Math.Min(1, nr - 1)) * ldp;
            float* p2 = p + (long)(r0 + Math.Min(2, nr - 1)) * ldp;
            float* p3 = p + (long)(r0 + Math.Min(3, nr - 1)) * ldp;
            float* o = output + (long)r0 * ldo;
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
                TSimd.Store(o + d, a00); TSimd.Store(o + d + vc, a01);
                if (nr > 1) { TSimd.Store(o + ldo + d, a10); TSimd.Store(o + ldo + d + vc, a11); }
                if (nr > 2) { TSimd.Store(o + 2L * ldo + d, a20); TSimd.Store(o + 2L * ldo + d + vc, a21); }
                if (nr > 3) { TSimd.Store(o + 3L * ldo + d, a30); TSimd.Store(o + 3L * ldo + d + vc, a31); }
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
                TSimd.Store(o + d, a0);
                if (nr > 1) TSimd.Store(o + ldo + d, a1);
                if (nr > 2) TSimd.Store(o + 2L * ldo + d, a2);
                if (nr > 3) TSimd.Store(o + 3L * ldo + d, a3);
            }
            for (; d < headDim; d++)
            {
                for (int r = 0; r < nr; r++)
                {
                    float* pr = p + (long)(r0 + r) * ldp;
                    float s = 0;
                    for (int j = 0; j < keys; j++) s += pr[j] * v[(long)j * ldv + d];
                    o[(long)r * ldo + d] = s;
                }
            }
        }
    }
}
