namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The decode path: threads take ranges of tiles (4 output rows); for each tile the metadata is
/// expanded once and the tile kernel runs once per activation row, the tile's codes staying in L1
/// between rows, so the weights are streamed from memory once whatever m.
/// </summary>
internal static unsafe class Int4Gemv
{
    /// <summary>Below this many bytes of codes a product runs on one thread: waking a second costs more than it saves.</summary>
    internal const long SingleThreadBytes = 48 * 1024;

    public static void Run(PackedInt4Matrix w, float* x, int m, float* y, float* bias, Int4Isa isa, int threads)
    {
        using var act = new Int4GemvActivations(w, x, m, isa);
        int n = w.OutFeatures;
        ForEachTileRange(w, m, threads, (first, end) =>
        {
            int metaLength = Int4Metadata.TileLength(w);
            using var meta = new AlignedBuffer(2L * metaLength);
            float* scales = meta.Pointer, zeros = meta.Pointer + metaLength;
            float* out16 = stackalloc float[Int4GemvKernels.MaxRowsPerCall * PackedInt4Matrix.RowsPerTile];
            for (int tile = first; tile < end; tile++)
            {
                Int4Metadata.ConvertTile(w, tile, scales, zeros);
                int o0 = tile * PackedInt4Matrix.RowsPerTile;
                int rows = Math.Min(PackedInt4Matrix.RowsPerTile, n - o0);
                for (int i0 = 0; i0 < m; i0 += Int4GemvKernels.MaxRowsPerCall)
                {
                    int count = Math.Min(Int4GemvKernels.MaxRowsPerCall, m - i0);
                    Int4GemvKernels.TileRows(isa, w, tile, act, i0, count, scales, zeros, out16);
                    for (int i = 0; i < count; i++)
                    {
                        float* yi = y + (long)(i0 + i) * n + o0;
                        float* oi = out16 + i * PackedInt4Matrix.RowsPerTile;
                        for (int r = 0; r < rows; r++) yi[r] = bias == null ? oi[r] : oi[r] + bias[o0 + r];
                    }
                }
            }
        });
    }

    /// <summary>Gate products into <paramref name="y"/> and up products into pooled scratch in one pass over the tiles, then <see cref="Ops.SiluMultiply(Span{float}, ReadOnlySpan{float})"/>.</summary>
    public static void RunSiluGateUp(PackedInt4Matrix gate, PackedInt4Matrix up, float* x, int m, float* y, Int4Isa isa, int threads)
    {
        int n = gate.OutFeatures;
        using var upOut = new PooledBuffer((long)m * n);
        float* u = upOut.Pointer;
        using (var gateAct = new Int4GemvActivations(gate, x, m, isa))
        using (var upAct = new Int4GemvActivations(up, x, m, isa))
        {
            ForEachTileRange(gate, 2 * m, threads, (first, end) =>
            {
                int gateLength = Int4Metadata.TileLength(gate), upLength = Int4Metadata.TileLength(up);
                using var meta = new AlignedBuffer(2L * (gateLength + upLength));
                float* gs = meta.Pointer, gz = gs + gateLength, us = gz + gateLength, uz = us + upLength;
                float* g16 = stackalloc float[Int4GemvKernels.MaxRowsPerCall * PackedInt4Matrix.RowsPerTile];
                float* u16 = stackalloc float[Int4GemvKernels.MaxRowsPerCall * PackedInt4Matrix.RowsPerTile];
                for (int tile = first; tile < end; tile++)
                {
                    Int4Metadata.ConvertTile(gate, tile, gs, gz);
                    Int4Metadata.ConvertTile(up, tile, us, uz);
                    int o0 = tile * PackedInt4Matrix.RowsPerTile;
                    int rows = Math.Min(PackedInt4Matrix.RowsPerTile, n - o0);
                    for (int i0 = 0; i0 < m; i0 += Int4GemvKernels.MaxRowsPerCall)
                    {
                        int count = Math.Min(Int4GemvKernels.MaxRowsPerCall, m - i0);
                        Int4GemvKernels.TileRows(isa, gate, tile, gateAct, i0, count, gs, gz, g16);
                        Int4GemvKernels.TileRows(isa, up, tile, upAct, i0, count, us, uz, u16);
                        for (int i = 0; i < count; i++)
                        {
                            long at = (long)(i0 + i) * n + o0;
                            for (int r = 0; r < rows; r++)
                            {
                                y[at + r] = g16[i * PackedInt4Matrix.RowsPerTile + r];
                                u[at + r] = u16[i * PackedInt4Matrix.RowsPerTile + r];
                            }
                        }
                    }
                }
            });
        }
        Ops.SiluMultiplyCore(new Span<float>(y, m * n), new ReadOnlySpan<float>(u, m * n), threads);
    }

    /// <summary>Splits the tiles into about 8 ranges per thread and runs <paramref name="body"/>(first, end) on each.</summary>
    private static void ForEachTileRange(PackedInt4Matrix w, int passes, int threads, Action<int, int> body)
    {
        int tiles = w.TileCount;
        if (w.CodeBytes * passes < SingleThreadBytes) threads = 1;
        int perUnit = Int4Parallel.ItemsPerUnit(tiles, threads);
        int units = (tiles + perUnit - 1) / perUnit;
        Int4Parallel.Run(units, threads, queue =>
        {
            while (queue.TryTake(out int unit))
                body(unit * perUnit, Math.Min(tiles, (unit + 1) * perUnit));
        });
    }
}
