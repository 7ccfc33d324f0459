namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// Code packing of AwqSharp's own checkpoint layout (any bit width 2..8, ragged groups; see docs/checkpoint-format.md):
/// each row of <c>[rows, cols]</c> codes is an LSB-first bit stream — code <c>i</c> occupies stream bits
/// <c>[i·b, i·b + b)</c>, stream bit <c>j</c> is bit <c>j % 8</c> of byte <c>j / 8</c> — padded with zero bits to
/// <see cref="RowBytes"/> bytes. 4-bit codes are thus two per byte, low nibble first; 8-bit codes are plain bytes.
/// </summary>
public static class AwqSharpPacking
{
    /// <summary>Bytes per packed row: <c>ceil(cols · bits / 8)</c>.</summary>
    public static int RowBytes(int cols, int bits) => (int)(((long)cols * bits + 7) / 8);

    /// <summary>Packs <c>[rows, cols]</c> codes (each &lt; 2^bits) into <c>[rows, RowBytes]</c> bytes.</summary>
    /// <exception cref="ArgumentException">Bad sizes, bits outside 1..8, or a code that does not fit.</exception>
    public static byte[] Pack(ReadOnlySpan<byte> codes, int rows, int cols, int bits)
    {
        Check(codes.Length, rows, cols, bits, nameof(codes));
        int rowBytes = RowBytes(cols, bits);
        var packed = new byte[(long)rows * rowBytes];
        int max = (1 << bits) - 1;
        for (int r = 0; r < rows; r++)
        {
            var src = codes.Slice(r * cols, cols);
            var dst = packed.AsSpan(r * rowBytes, rowBytes);
            ulong buffer = 0; int filled = 0, at = 0;
            for (int i = 0; i < cols; i++)
            {
                int code = src[i];
                if (code > max) throw new ArgumentException($"code [{r}, {i}] = {code} does not fit in {bits} bits", nameof(codes));
                buffer |= (ulong)code << filled;
                filled += bits;
                while (filled >= 8) { dst[at++] = (byte)buffer; buffer >>= 8; filled -= 8; }
            }
            if (filled > 0) dst[at] = (byte)buffer;
        }
        return packed;
    }

    /// <summary>Unpacks <c>[rows, RowBytes]</c> bytes into <c>[rows, cols]</c> codes.</summary>
    /// <exception cref="ArgumentException">Bad sizes or bits.</exception>
    public static byte[] Unpack(ReadOnlySpan<byte> packed, int rows, int cols, int bits)
    {
        Check(rows * (long)cols, rows, cols, bits, nameof(cols));
        int rowBytes = RowBytes(cols, bits);
        if (packed.Length != (long)rows * rowBytes)
            throw new ArgumentException($"packed codes have {packed.Length} bytes, expected [{rows}, {rowBytes}] for {cols} {bits}-bit codes per row", nameof(packed));
        var codes = new byte[(long)rows * cols];
        uint mask = (1u << bits) - 1;
        for (int r = 0; r < rows; r++)
        {
            var src = packed.Slice(r * rowBytes, rowBytes);
            var dst = codes.AsSpan(r * cols, cols);
            ulong buffer = 0; int filled = 0, at = 0;
            for (int i = 0; i < cols; i++)
            {
                while (filled < bits) { buffer |= (ulong)src[at++] << filled; filled += 8; }
                dst[i] = (byte)(buffer & mask);
                buffer >>= bits; filled -= bits;
            }
        }
        return codes;
    }

    private static void Check(long length, int rows, int cols, int bits, string name)
    {
        if (bits is < 1 or > 8) throw new ArgumentException($"bits must be 1..8, got {bits}", nameof(bits));
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"shape [{rows}, {cols}] must be positive", nameof(rows));
        if (length != (long)rows * cols) throw new ArgumentException($"{name}: {length} codes, expected [{rows}, {cols}]", name);
    }
}
