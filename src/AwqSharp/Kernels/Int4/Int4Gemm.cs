namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The prefill path: a panel GEMM. The activations are packed once into 8-row interleaved strips; each
/// thread takes blocks of 32 output columns and, for each 256-deep slice of the input dimension,
/// dequantizes that 256×32 slice of W once into an L1-resident float panel (the exact values of
/// <see cref="PackedInt4Matrix.Dequantize"/>) and runs a float micro-kernel over every 8-row strip.
/// Every output is the sequential FMA sum over the input index, whatever the thread count.
/// </summary>
internal static unsafe class Int4Gemm
{
    /// <summary>Output columns of one panel (8 tiles).</summary>
    internal const int PanelWidth = 32;
    /// <summary>Inputs of one panel slice (2 chunks).</summary>
    internal const int PanelDepth = 256;
    /// <summary>Activation rows interleaved in one packed strip.</summary>
    internal const int StripRows = 8;
    /// <summary>Below this many multiply-adds a product runs on one thread.</summary>
    internal const long SingleThreadMacs = 1L << 21;

    public static void Run(PackedInt4Matrix w, float* x, int m, float* y, float* bias, Int4Isa isa, int threads)
    {
        using var strips = PackActivations(x, m, w.InFeatures);
        int n = w.OutFeatures;
        ForEachBlock(w, m, threads, 1, (block, c1, _) =>
        {
            int o0 = block * PanelWidth, cols = Math.Min(PanelWidth, n - o0);
            for (int i = 0; i < m; i++)
            {
                float* yi = y + (long)i * n + o0;
                float* ci = c1 + (long)i * PanelWidth;
                for (int j = 0; j < cols; j++) yi[j] = bias == null ? ci[j] : ci[j] + bias[o0 + j];
            }
        }, strips.Pointer, isa, w);
    }

    public static void RunSiluGateUp(PackedInt4Matrix gate, PackedInt4Matrix up, float* x, int m, float* y, Int4Isa isa, int threads)
    {
        using var strips = PackActivations(x, m, gate.InFeatures);
        int n = gate.OutFeatures;
        ForEachBlock(gate, m, threads, 2, (block, c1, c2) =>
        {
            int o0 = block * PanelWidth, cols = Math.Min(PanelWidth, n - o0);
            for (int i = 0; i < m; i++)
            {
                float* yi = y + (long)i * n + o0;
                float* gi = c1 + (long)i * PanelWidth, ui = c2 + (long)i * PanelWidth;
                for (int j = 0; j < cols; j++) yi[j] = PackedInt4Matrix.SiluTimes(gi[j], ui[j]);
            }
        }, strips.Pointer, isa, gate, up);
    }

    private delegate void BlockEpilogue(int block, float* first, float* second);

    /// <summary>Computes, for each 32-column block, the products of every given matrix into per-thread buffers [mPadded, 32], then hands them to <paramref name="epilogue"/>.</summary>
    private static void ForEachBlock(PackedInt4Matrix shape, int m, int threads, int matrices, BlockEpilogue epilogue,
        float* strips, Int4Isa isa, PackedInt4Matrix first, PackedInt4Matrix? second = null)
    {
        int blocks = (shape.OutFeatures + PanelWidth - 1) / PanelWidth;
        int stripCount = (m + StripRows - 1) / StripRows;
        if ((long)m * shape.OutFeatures * shape.InFeatures * matrices < SingleThreadMacs) threads = 1;
        Int4Parallel.Run(blocks, threads, queue =>
        {
            long cLength = (long)stripCount * StripRows * PanelWidth;
            using var c1 = new AlignedBuffer(cLength);
            using var c2 = new AlignedBuffer(second is null ? 0 : cLength);
            using var panel = new AlignedBuffer(PanelDepth * PanelWidth);
            using var rows = new AlignedBuffer(PanelWidth * PanelDepth);
            while (queue.TryTake(out int block))
            {
                ComputeBlock(first, isa, block, strips, stripCount, panel.Pointer, rows.Pointer, c1.Pointer);
                if (second is not null) ComputeBlock(second, isa, block, strips, stripCount, panel.Pointer, rows.Pointer, c2.Pointer);
                epilogue(block, c1.Pointer, c2.Pointer);
            }
        });
    }

    private static void ComputeBlock(PackedInt4Matrix w, Int4Isa isa, int block, float* strips, int stripCount, float* panel, float* rows, float* c)
    {
        int k = w.InFeatures;
        new Span<float>(c, stripCount * StripRows * PanelWidth).Clear();
        for (int kb = 0; kb < k; kb += PanelDepth)
        {
            int depth = Math.Min(PanelDepth, k - kb);
            Int4GemmPanel.Fill(w, isa, block * PanelWidth, kb, depth, rows, panel);
            for (int s = 0; s < stripCount; s++)
                Int4GemmKernels.Strip(isa, panel, strips + ((long)s * k + kb) * StripRows, c + (long)s * StripRows * PanelWidth, depth);
        }
    }

    /// <summary>Packs x[m, k] into strips of 8 rows: strips[(s · k + i) · 8 + r] = x[8s + r, i], rows past m zero.</summary>
    internal static AlignedBuffer PackActivations(float* x, int m, int k)
    {
        int stripCount = (m + StripRows - 1) / StripRows;
        var strips = new AlignedBuffer((long)stripCount * k * StripRows);
        for (int s = 0; s < stripCount; s++)
        {
            float* dst = strips.Pointer + (long)s * k * StripRows;
            for (int r = 0; r < StripRows; r++)
            {
                int row = s * StripRows + r;
                float* src = x + (long)row * k;
                if (row < m) for (int i = 0; i < k; i++) dst[i * StripRows + r] = src[i];
                else for (int i = 0; i < k; i++) dst[i * StripRows + r] = 0;
            }
        }
        return strips;
    }
}
