using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The prefill path: a panel GEMM. The activations are packed once into strips of 16 rows interleaved
/// by input (<c>strip[i · 16 + r]</c>: one 512-bit vector per input); each thread takes blocks of 32
/// output columns and, for each 256-deep slice of the input dimension, dequantizes that 32×256 slice of
/// W once into an L1-resident float panel (the exact values of <see cref="PackedInt4Matrix.Dequantize"/>)
/// and runs a float micro-kernel over every strip: 16 rows × 16 columns of accumulators, each FMA a
/// broadcast weight times a vector of 16 activations. Every output is the sequential FMA chain over the
/// input index, so the result is bitwise the same whatever the thread count or SIMD path.
/// </summary>
internal static unsafe class Int4Gemm
{
    /// <summary>Output columns of one panel (8 tiles).</summary>
    internal const int PanelWidth = 32;
    /// <summary>Inputs of one panel slice (one chunk): panel (16 KB) and strip slice (8 KB) stay in L1 together.</summary>
    internal const int PanelDepth = 128;
    /// <summary>Floats between panel rows: one cache line more than the depth, so the 16 rows a micro-kernel broadcasts from do not share L1 sets.</summary>
    internal const int PanelStride = PanelDepth + 16;
    /// <summary>Activation rows interleaved in one packed strip.</summary>
    internal const int StripRows = 16;
    /// <summary>Below this many multiply-adds a product runs on one thread.</summary>
    internal const long SingleThreadMacs = 1L << 21;

    public static void Run(PackedInt4Matrix w, float* x, int m, float* y, float* bias, Int4Isa isa, int threads)
    {
        using var strips = PackActivations(x, m, w.InFeatures, threads);
        ForEachBlock(w, null, m, threads, strips.Pointer, isa, (block, c1, _) => Store(c1, y, m, w.OutFeatures, block, bias));
    }

    /// <summary>Gate products into <paramref name="y"/> and up products into pooled scratch block by block, then <see cref="Ops.SiluMultiply(Span{float}, ReadOnlySpan{float})"/>.</summary>
    public static void RunSiluGateUp(PackedInt4Matrix gate, PackedInt4Matrix up, float* x, int m, float* y, Int4Isa isa, int threads)
    {
        int n = gate.OutFeatures;
        using var upOut = new PooledBuffer((long)m * n);
        float* u = upOut.Pointer;
        using (var strips = PackActivations(x, m, gate.InFeatures, threads))
        {
            ForEachBlock(gate, up, m, threads, strips.Pointer, isa, (block, c1, c2) =>
            {
                Store(c1, y, m, n, block, null);
                Store(c2, u, m, n, block, null);
            });
        }
        Ops.SiluMultiplyCore(new Span<float>(y, m * n), new ReadOnlySpan<float>(u, m * n), threads);
    }

    /// <summary>Writes one block's accumulators to y (+ bias).</summary>
    private static void Store(float* c, float* y, int m, int n, int block, float* bias)
    {
        int o0 = block * PanelWidth, cols = Math.Min(PanelWidth, n - o0);
        for (int i = 0; i < m; i++)
        {
            float* yi = y + (long)i * n + o0;
            float* ci = Accumulator(c, i);
            for (int j = 0; j < cols; j++) yi[j] = bias == null ? ci[j * StripRows] : ci[j * StripRows] + bias[o0 + j];
        }
    }

    /// <summary>Accumulators of one block: [strip][column 0..31][row 0..15]; this is row i, column 0 (columns 16 floats apart).</summary>
    private static float* Accumulator(float* c, int i) => c + (long)(i / StripRows) * StripRows * PanelWidth + i % StripRows;

    private delegate void BlockEpilogue(int block, float* first, float* second);

    /// <summary>Computes, for each 32-column block, the products of one or two matrices into per-thread accumulators, then hands them to <paramref name="epilogue"/>.</summary>
    private static void ForEachBlock(PackedInt4Matrix first, PackedInt4Matrix? second, int m, int threads, float* strips, Int4Isa isa, BlockEpilogue epilogue)
    {
        int blocks = (first.OutFeatures + PanelWidth - 1) / PanelWidth;
        int stripCount = (m + StripRows - 1) / StripRows;
        int matrices = second is null ? 1 : 2;
        if ((long)m * first.OutFeatures * first.InFeatures * matrices < SingleThreadMacs) threads = 1;
        Int4Parallel.Run(blocks, threads, queue =>
        {
            long cLength = (long)stripCount * StripRows * PanelWidth;
            using var c1 = new AlignedBuffer(cLength);
            using var c2 = new AlignedBuffer(second is null ? 0 : cLength);
            using var panel = new AlignedBuffer(PanelWidth * PanelStride);
            using var meta = new AlignedBuffer(Math.Max(Int4GemmPanel.MetadataLength(first), second is null ? 0 : Int4GemmPanel.MetadataLength(second)));
            while (queue.TryTake(out int block))
            {
                ComputeBlock(first, isa, block, strips, stripCount, panel.Pointer, meta.Pointer, c1.Pointer);
                if (second is not null) ComputeBlock(second, isa, block, strips, stripCount, panel.Pointer, meta.Pointer, c2.Pointer);
                epilogue(block, c1.Pointer, c2.Pointer);
            }
        });
    }

    private static void ComputeBlock(PackedInt4Matrix w, Int4Isa isa, int block, float* strips, int stripCount, float* panel, float* meta, float* c)
    {
        int k = w.InFeatures;
        new Span<float>(c, stripCount * StripRows * PanelWidth).Clear();
        Int4GemmPanel.ExpandMetadata(w, block * PanelWidth, meta);
        for (int kb = 0; kb < k; kb += PanelDepth)
        {
            int depth = Math.Min(PanelDepth, k - kb);
            Int4GemmPanel.Fill(w, isa, block * PanelWidth, kb, depth, meta, panel);
            for (int s = 0; s < stripCount; s++)
                Int4GemmKernels.Strip(isa, panel, strips + ((long)s * k + kb) * StripRows, c + (long)s * StripRows * PanelWidth, depth);
        }
    }

    /// <summary>Packs x[m, k] into strips of 16 rows: strips[(s · k + i) · 16 + r] = x[16s + r, i], rows past m zero; strips in parallel.</summary>
    internal static PooledBuffer PackActivations(float* x, int m, int k, int threads = 1)
    {
        int stripCount = (m + StripRows - 1) / StripRows;
        var strips = new PooledBuffer((long)stripCount * k * StripRows);
        float* dst0 = strips.Pointer;
        if ((long)m * k < (1 << 18)) threads = 1;
        bool transpose = Avx512F.IsSupported;
        Int4Parallel.Run(stripCount, threads, queue =>
        {
            while (queue.TryTake(out int s))
            {
                int rows = Math.Min(StripRows, m - s * StripRows);
                float* src = x + (long)s * StripRows * k;
                float* dst = dst0 + (long)s * k * StripRows;
                int i = 0;
                if (transpose && rows == StripRows)
                    for (; i + StripRows <= k; i += StripRows) Int4Transpose.Transpose16x16(src + i, k, dst + (long)i * StripRows);
                for (; i < k; i++)
                    for (int r = 0; r < StripRows; r++) dst[(long)i * StripRows + r] = r < rows ? src[(long)r * k + i] : 0;
            }
        });
        return strips;
    }
}
