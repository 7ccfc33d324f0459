using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels;

/// <summary>
/// The GEMM path for many activation rows (prefill, perplexity windows): compute-bound, so it follows the
/// Goto/BLIS recipe. <c>k</c> is cut into blocks of about <see cref="KcMax"/>; per block the activation rows are
/// packed (once, shared) into micro-panels of <see cref="Mr"/> rows (<c>[kc][Mr]</c>, broadcast operand,
/// L1-resident during a sweep) and each task packs a block of <see cref="NbMax"/> weight rows into slivers of
/// <see cref="Nr"/> = 2 vectors (<c>[kc][Nr]</c>, vector operand, L2-resident). A register-tiled
/// <c>Mr × Nr</c> micro-kernel does the fused multiply-adds (12 × 32 on AVX-512, 6 × 16 on AVX2, 6 × 8 portable).
/// </summary>
/// <remarks>
/// Determinism: per output element the arithmetic is fixed by <c>k</c> alone (the k-blocking): within a
/// k-block one accumulator lane takes fused multiply-adds in order of <c>k</c>; block sums are added to the
/// output in k order; the bias last. Edge tiles run the same micro-kernel into a scratch tile and are merged
/// with the same scalar operations. The split into thread tasks therefore never changes a bit.
/// </remarks>
internal static unsafe class PackedGemm<TVec, TSimd>
    where TVec : struct
    where TSimd : struct, ISimd<TVec>
{
    /// <summary>Activation rows per micro-tile (broadcast operand): 12 with AVX-512's 32 registers, else 6.</summary>
    public static int Mr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TSimd.Count == 16 ? 12 : 6;
    }

    /// <summary>Weight rows (output columns) per micro-tile: two vectors.</summary>
    public static int Nr
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => 2 * TSimd.Count;
    }

    /// <summary>Largest k-block: a 12 × 384 activation micro-panel is 18 KiB (L1).</summary>
    public const int KcMax = 384;

    /// <summary>Weight rows packed per thread task: 256 × 384 floats is 384 KiB (L2).</summary>
    public const int NbMax = 256;

    /// <summary>
    /// Most floats of packed activations held at once (32 MiB): the rows of one outer block, all of <c>k</c>. At
    /// k = 2048 that is 4096 rows, so prefill shapes run in one block and pack each weight panel once.
    /// </summary>
    public const int XPackMaxFloats = 8 << 20;

    /// <summary>
    /// Two parallel phases per block of activation rows: pack those rows for every k-block, then run tasks of
    /// (weight block × row split), each through all k-blocks in order (packing its weight block per k-block into
    /// a per-thread L2 buffer and keeping its slice of the output hot). Two joins per call, not two per k-block.
    /// </summary>
    public static void Run(GemmOperands g, int degree)
    {
        int kBlocks = (g.K + KcMax - 1) / KcMax;
        int kcStep = (g.K + kBlocks - 1) / kBlocks; // equal blocks: fixed by k alone
        int mr = Mr, nr = Nr;
        int nBlocks = (g.N + NbMax - 1) / NbMax;
        // Whole micro-panels within the budget, less the scratch's alignment slack (the pool rounds up to powers of two).
        int mbMax = Math.Max(mr, (XPackMaxFloats - PinnedScratch.AlignFloats) / g.K / mr * mr);

        using var xPack = new PinnedScratch(RoundUp(Math.Min(mbMax, g.M), mr) * g.K);
        float* xp = xPack.Pointer;
        for (int m0 = 0; m0 < g.M; m0 += mbMax)
        {
            int mb = Math.Min(mbMax, g.M - m0);
            int panels = (mb + mr - 1) / mr;
            // Packed layout: k-block b at xp + b·kcStep·panels·mr, its panel pi at + pi·mr·kc (each [kc][mr]).
            const int PanelsPerPackTask = 16;
            int packChunks = (panels + PanelsPerPackTask - 1) / PanelsPerPackTask;
            var ops = g;
            Parallelism.For(kBlocks * packChunks, degree, t =>
            {
                int p0 = t / packChunks * kcStep, kc = Math.Min(kcStep, ops.K - p0);
                float* block = xp + (long)p0 * panels * mr;
                int end = Math.Min(panels, (t % packChunks + 1) * PanelsPerPackTask);
                for (int pi = t % packChunks * PanelsPerPackTask; pi < end; pi++)
                    PackX(ops, m0 + pi * mr, Math.Min(mr, ops.M - m0 - pi * mr), p0, kc, block + (long)pi * mr * kc);
            });

            // Enough tasks for dynamic balancing (a busy machine stalls threads): split rows when weight blocks are few.
            int mSplits = Math.Clamp((4 * degree + nBlocks - 1) / nBlocks, 1, Math.Max(1, panels / 4));
            int panelsPerSplit = (panels + mSplits - 1) / mSplits;
            Parallelism.For(nBlocks * mSplits, degree,
                () => new PinnedScratch(NbMax * kcStep),
                (task, wPack) =>
                {
                    int nb0 = task / mSplits * NbMax, split = task % mSplits;
                    int nb = Math.Min(NbMax, ops.N - nb0);
                    int slivers = (nb + nr - 1) / nr;
                    int pStart = split * panelsPerSplit, pEnd = Math.Min(panels, pStart + panelsPerSplit);
                    float* wp = wPack.Pointer;
                    for (int p0 = 0; p0 < ops.K; p0 += kcStep)
                    {
                        int kc = Math.Min(kcStep, ops.K - p0);
                        bool first = p0 == 0, last = p0 + kc == ops.K;
                        for (int s = 0; s < slivers; s++)
                            PackW(ops, nb0 + s * nr, Math.Min(nr, nb - s * nr), p0, kc, wp + (long)s * nr * kc);
                        float* block = xp + (long)p0 * panels * mr;
                        for (int pi = pStart; pi < pEnd; pi++)
                        {
                            int row = m0 + pi * mr, rows = Math.Min(mr, ops.M - row);
                            float* xPanel = block + (long)pi * mr * kc;
                            for (int s = 0; s < slivers; s++)
                            {
                                int col = nb0 + s * nr, cols = Math.Min(nr, nb - s * nr);
                                Tile(xPanel, wp + (long)s * nr * kc, kc, ops.Y + (long)row * ops.Ldy + col, ops.Ldy, rows, cols, first,
                                    last && ops.Bias != null ? ops.Bias + col : null);
                            }
                        }
                    }
                },
                wPack => wPack.Dispose());
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>Packs activation rows <c>[row, row + rows)</c>, columns <c>[p0, p0 + kc)</c> as <c>[kc][Mr]</c>, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PackX(in GemmOperands g, int row, int rows, int p0, int kc, float* dst)
    {
        int mr = Mr;
        for (int r = 0; r < mr; r++)
        {
            float* d = dst + r;
            if (r < rows)
            {
                float* src = g.X + (long)(row + r) * g.Ldx + p0;
                for (int p = 0; p < kc; p++) d[p * mr] = src[p];
            }
            else
            {
                for (int p = 0; p < kc; p++) d[p * mr] = 0f;
            }
        }
    }

    /// <summary>Packs weight rows <c>[col, col + cols)</c>, columns <c>[p0, p0 + kc)</c> as <c>[kc][Nr]</c>, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PackW(in GemmOperands g, int col, int cols, int p0, int kc, float* dst)
    {
        int nr = Nr;
        float* src = g.W + (long)col * g.Ldw + p0;
        int c = 0;
        if (Avx.IsSupported && TSimd.Count >= 8)
        {
            // Full groups of 8 rows × 8 columns through register transposes.
            int kc8 = kc & ~7;
            for (; c + 8 <= cols; c += 8)
            {
                float* s = src + (long)c * g.Ldw;
                for (int p = 0; p < kc8; p += 8)
                    Transpose8x8.Run(s + p, g.Ldw, dst + (long)p * nr + c, nr);
                for (int r = 0; r < 8; r++)
                    for (int p = kc8; p < kc; p++) dst[(long)p * nr + c + r] = s[(long)r * g.Ldw + p];
            }
        }
        const int PStep = 16; // scalar transpose in 16-column strips so the destination lines stay in L1
        for (int pb = 0; pb < kc; pb += PStep)
        {
            int pn = Math.Min(PStep, kc - pb);
            for (int cc = c; cc < nr; cc++)
            {
                float* d = dst + (long)pb * nr + cc;
                if (cc < cols)
                {
                    float* s = src + (long)cc * g.Ldw + pb;
                    for (int p = 0; p < pn; p++) d[p * nr] = s[p];
                }
                else
                {
                    for (int p = 0; p < pn; p++) d[p * nr] = 0f;
                }
            }
        }
    }

    /// <summary>One <c>Mr × Nr</c> tile; partial tiles go through a scratch tile and are merged element by element.</summary>
    private static void Tile(float* xPanel, float* wSliver, int kc, float* y, int ldy, int rows, int cols, bool first, float* bias)
    {
        int nr = Nr;
        if (rows == Mr && cols == nr)
        {
            if (Mr == 12) MicroKernel12(xPanel, wSliver, kc, y, ldy, first, bias);
            else MicroKernel(xPanel, wSliver, kc, y, ldy, first, bias);
            return;
        }
        float* t = stackalloc float[12 * 2 * 16];
        if (Mr == 12) MicroKernel12(xPanel, wSliver, kc, t, nr, first: true, bias: null);
        else MicroKernel(xPanel, wSliver, kc, t, nr, first: true, bias: null);
        for (int r = 0; r < rows; r++)
        {
            float* yr = y + (long)r * ldy;
            float* tr = t + r * nr;
            for (int c = 0; c < cols; c++)
            {
                float v = first ? tr[c] : yr[c] + tr[c];
                if (bias != null) v += bias[c];
                yr[c] = v;
            }
        }
    }

    /// <summary>
    /// <c>C[6, Nr] (=|+=) Xpanel[kc][6] · Wsliver[kc][Nr]</c>, plus <paramref name="bias"/> when not null:
    /// 12 vector accumulators (fits 16 registers), per k two vector loads, six broadcasts and twelve fused multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel(float* xp, float* wp, int kc, float* c, int ldc, bool first, float* bias)
    {
        int vc = TSimd.Count;
        if (Sse.IsSupported && !first)
        {
            // The output tile is read at the end; start fetching it now (rows are 2 vectors: 32-128 bytes).
            for (int r = 0; r < 6; r++)
            {
                Sse.Prefetch0(c + (long)r * ldc);
                Sse.Prefetch0(c + (long)r * ldc + 2 * vc - 1);
            }
        }
        TVec c00 = TSimd.Zero, c01 = TSimd.Zero, c10 = TSimd.Zero, c11 = TSimd.Zero, c20 = TSimd.Zero, c21 = TSimd.Zero;
        TVec c30 = TSimd.Zero, c31 = TSimd.Zero, c40 = TSimd.Zero, c41 = TSimd.Zero, c50 = TSimd.Zero, c51 = TSimd.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TSimd.Load(wp), b1 = TSimd.Load(wp + vc);
            TVec a = TSimd.Broadcast(xp);
            c00 = TSimd.MulAdd(a, b0, c00); c01 = TSimd.MulAdd(a, b1, c01);
            a = TSimd.Broadcast(xp + 1);
            c10 = TSimd.MulAdd(a, b0, c10); c11 = TSimd.MulAdd(a, b1, c11);
            a = TSimd.Broadcast(xp + 2);
            c20 = TSimd.MulAdd(a, b0, c20); c21 = TSimd.MulAdd(a, b1, c21);
            a = TSimd.Broadcast(xp + 3);
            c30 = TSimd.MulAdd(a, b0, c30); c31 = TSimd.MulAdd(a, b1, c31);
            a = TSimd.Broadcast(xp + 4);
            c40 = TSimd.MulAdd(a, b0, c40); c41 = TSimd.MulAdd(a, b1, c41);
            a = TSimd.Broadcast(xp + 5);
            c50 = TSimd.MulAdd(a, b0, c50); c51 = TSimd.MulAdd(a, b1, c51);
            xp += 6;
            wp += 2 * vc;
        }
        StoreRow(c, c00, c01, first, bias);
        StoreRow(c + ldc, c10, c11, first, bias);
        StoreRow(c + 2 * ldc, c20, c21, first, bias);
        StoreRow(c + 3 * ldc, c30, c31, first, bias);
        StoreRow(c + 4 * ldc, c40, c41, first, bias);
        StoreRow(c + 5 * ldc, c50, c51, first, bias);
    }

    /// <summary>The 12-row AVX-512 micro-kernel: 24 accumulators, per k two loads, twelve broadcasts, 24 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel12(float* xp, float* wp, int kc, float* c, int ldc, bool first, float* bias)
    {
        int vc = TSimd.Count;
        if (Sse.IsSupported && !first)
        {
            for (int r = 0; r < 12; r++)
            {
                Sse.Prefetch0(c + (long)r * ldc);
                Sse.Prefetch0(c + (long)r * ldc + 2 * vc - 1);
            }
        }
        TVec c00 = TSimd.Zero, c01 = TSimd.Zero, c10 = TSimd.Zero, c11 = TSimd.Zero, c20 = TSimd.Zero, c21 = TSimd.Zero, c30 = TSimd.Zero, c31 = TSimd.Zero, c40 = TSimd.Zero, c41 = TSimd.Zero, c50 = TSimd.Zero, c51 = TSimd.Zero, c60 = TSimd.Zero, c61 = TSimd.Zero, c70 = TSimd.Zero, c71 = TSimd.Zero, c80 = TSimd.Zero, c81 = TSimd.Zero, c90 = TSimd.Zero, c91 = TSimd.Zero, ca0 = TSimd.Zero, ca1 = TSimd.Zero, cb0 = TSimd.Zero, cb1 = TSimd.Zero;
        for (int p = 0; p < kc; p++)
        {
            TVec b0 = TSimd.Load(wp), b1 = TSimd.Load(wp + vc);
            TVec a;
            a = TSimd.Broadcast(xp + 0); c00 = TSimd.MulAdd(a, b0, c00); c01 = TSimd.MulAdd(a, b1, c01);
            a = TSimd.Broadcast(xp + 1); c10 = TSimd.MulAdd(a, b0, c10); c11 = TSimd.MulAdd(a, b1, c11);
            a = TSimd.Broadcast(xp + 2); c20 = TSimd.MulAdd(a, b0, c20); c21 = TSimd.MulAdd(a, b1, c21);
            a = TSimd.Broadcast(xp + 3); c30 = TSimd.MulAdd(a, b0, c30); c31 = TSimd.MulAdd(a, b1, c31);
            a = TSimd.Broadcast(xp + 4); c40 = TSimd.MulAdd(a, b0, c40); c41 = TSimd.MulAdd(a, b1, c41);
            a = TSimd.Broadcast(xp + 5); c50 = TSimd.MulAdd(a, b0, c50); c51 = TSimd.MulAdd(a, b1, c51);
            a = TSimd.Broadcast(xp + 6); c60 = TSimd.MulAdd(a, b0, c60); c61 = TSimd.MulAdd(a, b1, c61);
            a = TSimd.Broadcast(xp + 7); c70 = TSimd.MulAdd(a, b0, c70); c71 = TSimd.MulAdd(a, b1, c71);
            a = TSimd.Broadcast(xp + 8); c80 = TSimd.MulAdd(a, b0, c80); c81 = TSimd.MulAdd(a, b1, c81);
            a = TSimd.Broadcast(xp + 9); c90 = TSimd.MulAdd(a, b0, c90); c91 = TSimd.MulAdd(a, b1, c91);
            a = TSimd.Broadcast(xp + 10); ca0 = TSimd.MulAdd(a, b0, ca0); ca1 = TSimd.MulAdd(a, b1, ca1);
            a = TSimd.Broadcast(xp + 11); cb0 = TSimd.MulAdd(a, b0, cb0); cb1 = TSimd.MulAdd(a, b1, cb1);
            xp += 12;
            wp += 2 * vc;
        }
        StoreRow(c + 0 * ldc, c00, c01, first, bias);
        StoreRow(c + 1 * ldc, c10, c11, first, bias);
        StoreRow(c + 2 * ldc, c20, c21, first, bias);
        StoreRow(c + 3 * ldc, c30, c31, first, bias);
        StoreRow(c + 4 * ldc, c40, c41, first, bias);
        StoreRow(c + 5 * ldc, c50, c51, first, bias);
        StoreRow(c + 6 * ldc, c60, c61, first, bias);
        StoreRow(c + 7 * ldc, c70, c71, first, bias);
        StoreRow(c + 8 * ldc, c80, c81, first, bias);
        StoreRow(c + 9 * ldc, c90, c91, first, bias);
        StoreRow(c + 10 * ldc, ca0, ca1, first, bias);
        StoreRow(c + 11 * ldc, cb0, cb1, first, bias);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, TVec v0, TVec v1, bool first, float* bias)
    {
        int vc = TSimd.Count;
        if (!first)
        {
            v0 = TSimd.Add(TSimd.Load(c), v0);
            v1 = TSimd.Add(TSimd.Load(c + vc), v1);
        }
        if (bias != null)
        {
            v0 = TSimd.Add(v0, TSimd.Load(bias));
            v1 = TSimd.Add(v1, TSimd.Load(bias + vc));
        }
        TSimd.Store(c, v0);
        TSimd.Store(c + vc, v1);
    }
}
