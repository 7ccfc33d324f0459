namespace AwqSharp.Kernels.Float16;

/// <summary>
/// How a <see cref="HalfMatrix"/> lays its weights out in memory: rows in tiles of 4 (the last one padded with zero
/// rows), and inside a tile the row-major <c>[4, k]</c> block reordered so that the kernel reads one sequential
/// stream: for each chunk of 16 columns, the 16 values of row 0, then rows 1, 2, 3 (64 values, 128 bytes); after the
/// last whole chunk, the remaining <c>k % 16</c> columns of each row, row after row.
/// </summary>
/// <remarks>
/// Why: the decode kernel spends several instructions per 16 weights widening them, so the out-of-order window sees
/// few cache lines ahead; with four separate row streams per core the hardware prefetchers did not keep up
/// (measured on one core: 15 GB/s from four row streams, 28 GB/s from the same values as one stream).
/// </remarks>
internal static class HalfTileLayout
{
    public const int TileRows = 4;
    public const int ChunkColumns = 16;
    public const int ChunkLength = TileRows * ChunkColumns;

    /// <summary>Columns covered by whole 16-column chunks.</summary>
    public static int ChunkedColumns(int k) => k - k % ChunkColumns;

    public static int TileCount(int rows) => (rows + TileRows - 1) / TileRows;

    public static long Length(int rows, int k) => (long)TileCount(rows) * TileRows * k;

    /// <summary>Position of element [r, c].</summary>
    public static long Offset(int r, int c, int k)
    {
        long tile = (long)(r / TileRows) * TileRows * k;
        int rr = r % TileRows, kc = ChunkedColumns(k);
        return c < kc
            ? tile + (long)(c / ChunkColumns) * ChunkLength + rr * ChunkColumns + c % ChunkColumns
            : tile + (long)kc * TileRows + (long)rr * (k - kc) + (c - kc);
    }

    /// <summary>Reorders row-major <paramref name="source"/> <c>[rows, k]</c> into the tiled layout (padding rows are zero).</summary>
    public static ushort[] Pack(ReadOnlySpan<ushort> source, int rows, int k)
    {
        var packed = new ushort[Length(rows, k)];
        int kc = ChunkedColumns(k), tail = k - kc;
        for (int r = 0; r < rows; r++)
        {
            var row = source.Slice(r * k, k);
            long tile = (long)(r / TileRows) * TileRows * k;
            int rr = r % TileRows;
            for (int c = 0; c < kc; c += ChunkColumns)
                row.Slice(c, ChunkColumns).CopyTo(packed.AsSpan((int)(tile + (long)(c / ChunkColumns) * ChunkLength + rr * ChunkColumns), ChunkColumns));
            row.Slice(kc, tail).CopyTo(packed.AsSpan((int)(tile + (long)kc * TileRows + (long)rr * tail), tail));
        }
        return packed;
    }
}
