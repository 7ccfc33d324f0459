using System.Runtime.CompilerServices;

namespace AwqSharp.Kernels.Float16;

/// <summary>
/// The decode product on 16-bit weights: <c>y[n] = W[n, k] · x[k]</c> for one activation row, the weights widened to
/// float32 in registers as they stream in (2 bytes read per weight, half of float32's), one tile of 4 rows at a time
/// in the <see cref="HalfTileLayout"/> order; threads take chunks of tiles. Also the widening of whole tiles back to
/// row-major float32 (the prefill path's weight blocks).
/// </summary>
/// <remarks>
/// The arithmetic per output is the float32 streaming kernel's (<see cref="DotGemm{TVec, TSimd}"/>): one vector
/// accumulator of fused multiply-adds along <c>k</c> in order, the lane sum, the scalar tail in order, then the bias.
/// So the result is bitwise that of <see cref="MatMul"/> on the widened weights, whatever the thread count.
/// </remarks>
internal static unsafe class HalfGemv<TVec, TLanes, TFormat>
    where TVec : struct
    where TLanes : struct, IHalfLanes<TVec>
    where TFormat : struct, IHalfFormat
{
    private const int TileRows = HalfTileLayout.TileRows;
    private const int ChunkColumns = HalfTileLayout.ChunkColumns;

    /// <summary>Tiles per parallel work item: 16 tiles of 4 rows of 2048 halves is 256 KiB.</summary>
    private const int TilesPerItem = 16;

    public static void Run(ushort* w, int n, int k, float* x, float* y, float* bias, int degree)
    {
        int tiles = HalfTileLayout.TileCount(n), items = (tiles + TilesPerItem - 1) / TilesPerItem;
        if ((long)n * k < MatMul.ParallelMinMultiplyAdds) degree = 1;
        Parallelism.For(items, degree, item =>
        {
            float* sums = stackalloc float[TileRows];
            int end = Math.Min(tiles, (item + 1) * TilesPerItem);
            for (int t = item * TilesPerItem; t < end; t++)
            {
                Tile(w + (long)t * TileRows * k, k, x, sums);
                int r0 = t * TileRows, rows = Math.Min(TileRows, n - r0);
                for (int r = 0; r < rows; r++) y[r0 + r] = bias == null ? sums[r] : sums[r] + bias[r0 + r];
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Widen(ushort* p) => TFormat.IsBFloat16 ? TLanes.LoadBFloat16(p) : TLanes.LoadFloat16(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Scalar(ushort h) => TFormat.IsBFloat16 ? HalfBits.BFloat16ToSingle(h) : HalfBits.Float16ToSingle(h);

    /// <summary>sums[r] = Σ_c W[r, c] · x[c] for the 4 rows of the tile at <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(ushort* w, int k, float* x, float* sums)
    {
        int vc = TLanes.Count, kc = HalfTileLayout.ChunkedColumns(k);
        TVec a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
        ushort* c = w;
        for (int p = 0; p < kc; p += ChunkColumns, c += HalfTileLayout.ChunkLength)
        {
            for (int v = 0; v < ChunkColumns; v += vc) // once on AVX-512, twice on AVX2, 4 times on 128-bit
            {
                TVec xv = TLanes.Load(x + p + v);
                a0 = TLanes.MulAdd(xv, Widen(c + v), a0);
                a1 = TLanes.MulAdd(xv, Widen(c + ChunkColumns + v), a1);
                a2 = TLanes.MulAdd(xv, Widen(c + 2 * ChunkColumns + v), a2);
                a3 = TLanes.MulAdd(xv, Widen(c + 3 * ChunkColumns + v), a3);
            }
        }
        // The k % 16 tail columns, row after row: whole vectors, then scalars, as the float32 kernel's order requires.
        int tail = k - kc, kv = kc + (tail - tail % vc);
        ushort* t0 = w + (long)kc * TileRows, t1 = t0 + tail, t2 = t1 + tail, t3 = t2 + tail;
        for (int p = kc; p < kv; p += vc)
        {
            TVec xv = TLanes.Load(x + p);
            a0 = TLanes.MulAdd(xv, Widen(t0 + p - kc), a0);
            a1 = TLanes.MulAdd(xv, Widen(t1 + p - kc), a1);
            a2 = TLanes.MulAdd(xv, Widen(t2 + p - kc), a2);
            a3 = TLanes.MulAdd(xv, Widen(t3 + p - kc), a3);
        }
        // All lane sums before any scalar loop: no accumulator may stay live across one (the JIT would keep it in
        // memory through the main loop).
        float s0 = TLanes.Sum(a0), s1 = TLanes.Sum(a1), s2 = TLanes.Sum(a2), s3 = TLanes.Sum(a3);
        for (int p = kv; p < k; p++)
        {
            s0 += x[p] * Scalar(t0[p - kc]);
            s1 += x[p] * Scalar(t1[p - kc]);
            s2 += x[p] * Scalar(t2[p - kc]);
            s3 += x[p] * Scalar(t3[p - kc]);
        }
        sums[0] = s0; sums[1] = s1; sums[2] = s2; sums[3] = s3;
    }

    /// <summary>Widens tiles [<paramref name="firstTile"/>, + <paramref name="tileCount"/>) to row-major float32 rows (padding rows included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WidenTiles(ushort* w, int k, int firstTile, int tileCount, float* destination)
    {
        int kc = HalfTileLayout.ChunkedColumns(k), tail = k - kc;
        for (int t = 0; t < tileCount; t++)
        {
            ushort* tile = w + (long)(firstTile + t) * TileRows * k;
            float* rows = destination + (long)t * TileRows * k;
            for (int p = 0; p < kc; p += ChunkColumns)
                for (int r = 0; r < TileRows; r++)
                    Widen(tile + (long)p * TileRows + r * ChunkColumns, rows + (long)r * k + p, ChunkColumns);
            for (int r = 0; r < TileRows; r++)
                Widen(tile + (long)kc * TileRows + r * tail, rows + (long)r * k + kc, tail);
        }
    }

    /// <summary>Widens <paramref name="count"/> contiguous values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ushort* source, float* destination, long count)
    {
        int vc = TLanes.Count;
        long i = 0;
        for (; i + vc <= count; i += vc) Unsafe.WriteUnaligned(destination + i, Widen(source + i));
        for (; i < count; i++) destination[i] = Scalar(source[i]);
    }
}
