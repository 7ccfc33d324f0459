using System.Runtime.CompilerServices;

namespace AwqSharp.Kernels;

/// <summary>
/// The GEMM path for few activation rows (decode's GEMV and small batches): every output is a dot product of an
/// activation row and a weight row, both contiguous along <c>k</c>, so nothing is packed and the weights stream
/// from memory exactly once. Register tiles of up to 4 activation rows × 4 weight rows, vectors along <c>k</c>.
/// </summary>
/// <remarks>
/// Per output element the arithmetic is fixed: one vector accumulator per element, fused multiply-adds along
/// <c>k</c> in order, <see cref="ISimd{TVec}.Sum"/>, then the <c>k % Count</c> tail in order, then the bias.
/// Tile shapes and thread splits only decide who computes an element, never how, so results are identical for
/// any thread count (and for <c>m = 1</c> versus the first row of a larger <c>m</c>).
/// </remarks>
internal static unsafe class DotGemm<TVec, TSimd>
    where TVec : struct
    where TSimd : struct, ISimd<TVec>
{
    /// <summary>Weight rows per register tile.</summary>
    private const int TileW = 4;

    /// <summary>Weight rows per parallel work item: 32 rows of 2048 floats is 256 KiB of weights.</summary>
    private const int ChunkRows = 32;

    /// <summary>Activation rows per register tile: 4 × 4 accumulators fit AVX-512's 32 registers; 2 × 4 fit 16.</summary>
    private static int TileX
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TSimd.Count >= 16 ? 4 : 2;
    }

    public static void Run(GemmOperands g, int degree)
    {
        int chunks = (g.N + ChunkRows - 1) / ChunkRows;
        Parallelism.For(chunks, degree, c =>
        {
            int n0 = c * ChunkRows;
            RunRows(g, n0, Math.Min(ChunkRows, g.N - n0));
        });
    }

    /// <summary>Computes output columns <c>[n0, n0 + count)</c> for every activation row.</summary>
    public static void RunRows(in GemmOperands g, int n0, int count)
    {
        float* sums = stackalloc float[TileW * 4];
        int tileX = TileX;
        for (int j0 = n0; j0 < n0 + count; j0 += TileW)
        {
            int nw = Math.Min(TileW, n0 + count - j0);
            // Rows past the end alias the last valid row; their results are discarded.
            float* w0 = g.W + (long)j0 * g.Ldw;
            float* w1 = g.W + (long)(j0 + Math.Min(1, nw - 1)) * g.Ldw;
            float* w2 = g.W + (long)(j0 + Math.Min(2, nw - 1)) * g.Ldw;
            float* w3 = g.W + (long)(j0 + Math.Min(3, nw - 1)) * g.Ldw;
            for (int i0 = 0; i0 < g.M; i0 += tileX)
            {
                int nx = Math.Min(tileX, g.M - i0);
                float* x0 = g.X + (long)i0 * g.Ldx;
                if (nx == 1)
                {
                    Tile1x4(x0, w0, w1, w2, w3, g.K, sums);
                }
                else if (tileX == 2)
                {
                    Tile2x4(x0, x0 + g.Ldx, w0, w1, w2, w3, g.K, sums);
                }
                else
                {
                    float* x1 = x0 + (long)Math.Min(1, nx - 1) * g.Ldx;
                    float* x2 = x0 + (long)Math.Min(2, nx - 1) * g.Ldx;
                    float* x3 = x0 + (long)Math.Min(3, nx - 1) * g.Ldx;
                    Tile4x4(x0, x1, x2, x3, w0, w1, w2, w3, g.K, sums);
                }
                for (int r = 0; r < nx; r++)
                {
                    float* y = g.Y + (long)(i0 + r) * g.Ldy + j0;
                    for (int c = 0; c < nw; c++)
                        y[c] = g.Bias == null ? sums[r * TileW + c] : sums[r * TileW + c] + g.Bias[j0 + c];
                }
            }
        }
    }

    /// <summary>Finishes one dot product: lane sum, then the scalar tail <c>[kv, k)</c> in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(TVec acc, float* x, float* w, int kv, int k)
    {
        float s = TSimd.Sum(acc);
        for (int p = kv; p < k; p++) s += x[p] * w[p];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile1x4(float* x0, float* w0, float* w1, float* w2, float* w3, int k, float* sums)
    {
        int vc = TSimd.Count, kv = k - k % vc;
        TVec a0 = TSimd.Zero, a1 = TSimd.Zero, a2 = TSimd.Zero, a3 = TSimd.Zero;
        for (int p = 0; p < kv; p += vc)
        {
            TVec x = TSimd.Load(x0 + p);
            a0 = TSimd.MulAdd(x, TSimd.Load(w0 + p), a0);
            a1 = TSimd.MulAdd(x, TSimd.Load(w1 + p), a1);
            a2 = TSimd.MulAdd(x, TSimd.Load(w2 + p), a2);
            a3 = TSimd.MulAdd(x, TSimd.Load(w3 + p), a3);
        }
        sums[0] = Finish(a0, x0, w0, kv, k);
        sums[1] = Finish(a1, x0, w1, kv, k);
        sums[2] = Finish(a2, x0, w2, kv, k);
        sums[3] = Finish(a3, x0, w3, kv, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile2x4(float* x0, float* x1, float* w0, float* w1, float* w2, float* w3, int k, float* sums)
    {
        int vc = TSimd.Count, kv = k - k % vc;
        TVec a00 = TSimd.Zero, a01 = TSimd.Zero, a02 = TSimd.Zero, a03 = TSimd.Zero;
        TVec a10 = TSimd.Zero, a11 = TSimd.Zero, a12 = TSimd.Zero, a13 = TSimd.Zero;
        for (int p = 0; p < kv; p += vc)
        {
            TVec b0 = TSimd.Load(w0 + p), b1 = TSimd.Load(w1 + p), b2 = TSimd.Load(w2 + p), b3 = TSimd.Load(w3 + p);
            TVec x = TSimd.Load(x0 + p);
            a00 = TSimd.MulAdd(x, b0, a00); a01 = TSimd.MulAdd(x, b1, a01); a02 = TSimd.MulAdd(x, b2, a02); a03 = TSimd.MulAdd(x, b3, a03);
            x = TSimd.Load(x1 + p);
            a10 = TSimd.MulAdd(x, b0, a10); a11 = TSimd.MulAdd(x, b1, a11); a12 = TSimd.MulAdd(x, b2, a12); a13 = TSimd.MulAdd(x, b3, a13);
        }
        sums[0] = Finish(a00, x0, w0, kv, k); sums[1] = Finish(a01, x0, w1, kv, k);
        sums[2] = Finish(a02, x0, w2, kv, k); sums[3] = Finish(a03, x0, w3, kv, k);
        sums[4] = Finish(a10, x1, w0, kv, k); sums[5] = Finish(a11, x1, w1, kv, k);
        sums[6] = Finish(a12, x1, w2, kv, k); sums[7] = Finish(a13, x1, w3, kv, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile4x4(float* x0, float* x1, float* x2, float* x3, float* w0, float* w1, float* w2, float* w3, int k, float* sums)
    {
        int vc = TSimd.Count, kv = k - k % vc;
        TVec a00 = TSimd.Zero, a01 = TSimd.Zero, a02 = TSimd.Zero, a03 = TSimd.Zero;
        TVec a10 = TSimd.Zero, a11 = TSimd.Zero, a12 = TSimd.Zero, a13 = TSimd.Zero;
        TVec a20 = TSimd.Zero, a21 = TSimd.Zero, a22 = TSimd.Zero, a23 = TSimd.Zero;
        TVec a30 = TSimd.Zero, a31 = TSimd.Zero, a32 = TSimd.Zero, a33 = TSimd.Zero;
        for (int p = 0; p < kv; p += vc)
        {
            TVec b0 = TSimd.Load(w0 + p), b1 = TSimd.Load(w1 + p), b2 = TSimd.Load(w2 + p), b3 = TSimd.Load(w3 + p);
            TVec x = TSimd.Load(x0 + p);
            a00 = TSimd.MulAdd(x, b0, a00); a01 = TSimd.MulAdd(x, b1, a01); a02 = TSimd.MulAdd(x, b2, a02); a03 = TSimd.MulAdd(x, b3, a03);
            x = TSimd.Load(x1 + p);
            a10 = TSimd.MulAdd(x, b0, a10); a11 = TSimd.MulAdd(x, b1, a11); a12 = TSimd.MulAdd(x, b2, a12); a13 = TSimd.MulAdd(x, b3, a13);
            x = TSimd.Load(x2 + p);
            a20 = TSimd.MulAdd(x, b0, a20); a21 = TSimd.MulAdd(x, b1, a21); a22 = TSimd.MulAdd(x, b2, a22); a23 = TSimd.MulAdd(x, b3, a23);
            x = TSimd.Load(x3 + p);
            a30 = TSimd.MulAdd(x, b0, a30); a31 = TSimd.MulAdd(x, b1, a31); a32 = TSimd.MulAdd(x, b2, a32); a33 = TSimd.MulAdd(x, b3, a33);
        }
        sums[0] = Finish(a00, x0, w0, kv, k); sums[1] = Finish(a01, x0, w1, kv, k);
        sums[2] = Finish(a02, x0, w2, kv, k); sums[3] = Finish(a03, x0, w3, kv, k);
        sums[4] = Finish(a10, x1, w0, kv, k); sums[5] = Finish(a11, x1, w1, kv, k);
        sums[6] = Finish(a12, x1, w2, kv, k); sums[7] = Finish(a13, x1, w3, kv, k);
        sums[8] = Finish(a20, x2, w0, kv, k); sums[9] = Finish(a21, x2, w1, kv, k);
        sums[10] = Finish(a22, x2, w2, kv, k); sums[11] = Finish(a23, x2, w3, kv, k);
        sums[12] = Finish(a30, x3, w0, kv, k); sums[13] = Finish(a31, x3, w1, kv, k);
        sums[14] = Finish(a32, x3, w2, kv, k); sums[15] = Finish(a33, x3, w3, kv, k);
    }
}
