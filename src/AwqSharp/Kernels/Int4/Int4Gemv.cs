using System.Runtime.CompilerServices;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The decode path: threads take ranges of tiles (4 output rows); for each range the metadata is
/// expanded once, then the tile kernel runs for every activation row (4 at a time on AVX-512), the
/// tile's codes staying in L1 between rows, so the weights are streamed from memory once whatever m.
/// </summary>
internal static unsafe class Int4Gemv
{
    /// <summary>Below this many bytes of codes a product runs on one thread: waking a second costs more than it saves.</summary>
    internal const long SingleThreadBytes = 48 * 1024;

    /// <summary>Floats of expanded scales (and as many zero points) one tile range may need: 32 KiB each.</summary>
    private const int MaxRangeMetadata = 8192;

    public static void Run(PackedInt4Matrix w, float* x, int m, float* y, float* bias, Int4Isa isa, int threads)
    {
        using var act = new Int4GemvActivations(w, x, m, isa);
        ForEachTileRange(w, m, threads, (first, end) =>
        {
            using var meta = new AlignedBuffer(2L * (end - first) * Int4Metadata.TileLength(w));
            ComputeRange(w, isa, act, first, end, m, y, bias, meta.Pointer);
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
                using var meta = new AlignedBuffer(2L * (end - first) * Math.Max(Int4Metadata.TileLength(gate), Int4Metadata.TileLength(up)));
                ComputeRange(gate, isa, gateAct, first, end, m, y, null, meta.Pointer);
                ComputeRange(up, isa, upAct, first, end, m, u, null, meta.Pointer);
            });
        }
        Ops.SiluMultiplyCore(new Span<float>(y, m * n), new ReadOnlySpan<float>(u, m * n), threads);
    }

    /// <summary>y[i, 4·tile + r] (+ bias) for the tiles [first, end) and every activation row i; <paramref name="meta"/> holds 2 · (end - first) tiles of expanded metadata.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeRange(PackedInt4Matrix w, Int4Isa isa, Int4GemvActivations act, int first, int end, int m, float* y, float* bias, float* meta)
    {
        int n = w.OutFeatures, tileLength = Int4Metadata.TileLength(w);
        float* scales = meta, zeros = meta + (long)(end - first) * tileLength;
        Int4Metadata.ConvertTiles(w, first, end - first, scales, zeros);
        float* out16 = stackalloc float[Int4GemvKernels.MaxRowsPerCall * PackedInt4Matrix.RowsPerTile];
        for (int tile = first; tile < end; tile++, scales += tileLength, zeros += tileLength)
        {
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
    }

    /// <summary>Splits the tiles into about 8 ranges per thread (small enough for L1/L2-resident metadata) and runs <paramref name="body"/>(first, end) on each.</summary>
    private static void ForEachTileRange(PackedInt4Matrix w, int passes, int threads, Action<int, int> body)
    {
        int tiles = w.TileCount;
        if (w.CodeBytes * passes < SingleThreadBytes) threads = 1;
        int perUnit = Math.Min(Int4Parallel.ItemsPerUnit(tiles, threads), Math.Max(1, MaxRangeMetadata / Int4Metadata.TileLength(w)));
        int units = (tiles + perUnit - 1) / perUnit;
        Int4Parallel.Run(units, threads, queue =>
        {
            while (queue.TryTake(out int unit))
                body(unit * perUnit, Math.Min(tiles, (unit + 1) * perUnit));
        });
    }
}
