using AwqSharp.Formats.AutoAwq;

namespace AwqSharp.Tests.Quantization;

public class AwqSharpPackingTests
{
    [Theory]
    // 3-bit 5,3,7,1: bits 101|110|111|100 (LSB first) -> byte0 = 0b11_011_101 = 0xDD, byte1 = 0b0_001_1 = 0x03.
    [InlineData(3, new byte[] { 5, 3, 7, 1 }, new byte[] { 0xDD, 0x03 })]
    // 4-bit 1,2,3: low nibble first -> 0x21, 0x03.
    [InlineData(4, new byte[] { 1, 2, 3 }, new byte[] { 0x21, 0x03 })]
    // 2-bit 1,2,3,0,3 -> 0b00_11_10_01 = 0x39, 0x03.
    [InlineData(2, new byte[] { 1, 2, 3, 0, 3 }, new byte[] { 0x39, 0x03 })]
    [InlineData(8, new byte[] { 200, 7 }, new byte[] { 200, 7 })]
    // 5-bit 31, 1: 11111 | 10000 -> 0b001_11111 = 0x3F, 0b00 -> 0x00.
    [InlineData(5, new byte[] { 31, 1 }, new byte[] { 0x3F, 0x00 })]
    public void Known_answers(int bits, byte[] codes, byte[] packed)
    {
        Assert.Equal(packed, AwqSharpPacking.Pack(codes, 1, codes.Length, bits));
        Assert.Equal(codes, AwqSharpPacking.Unpack(packed, 1, codes.Length, bits));
    }

    [Fact]
    public void Rows_are_padded_to_whole_bytes()
    {
        // Two rows of three 3-bit codes: 9 bits -> 2 bytes per row, the second row starts on a fresh byte.
        byte[] codes = [7, 0, 0, /* row 1 */ 1, 0, 0];
        var packed = AwqSharpPacking.Pack(codes, 2, 3, 3);
        Assert.Equal(new byte[] { 0x07, 0x00, 0x01, 0x00 }, packed);
        Assert.Equal(2, AwqSharpPacking.RowBytes(3, 3));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    public void Random_codes_round_trip(int bits)
    {
        var rng = new Random(bits);
        foreach (var (rows, cols) in new[] { (1, 1), (3, 7), (5, 172), (2, 1000) })
        {
            var codes = new byte[rows * cols];
            for (int i = 0; i < codes.Length; i++) codes[i] = (byte)rng.Next(1 << bits);
            var packed = AwqSharpPacking.Pack(codes, rows, cols, bits);
            Assert.Equal(rows * AwqSharpPacking.RowBytes(cols, bits), packed.Length);
            Assert.Equal(codes, AwqSharpPacking.Unpack(packed, rows, cols, bits));
        }
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        Assert.Contains("does not fit in 3 bits", Assert.Throws<ArgumentException>(() => AwqSharpPacking.Pack([8], 1, 1, 3)).Message);
        Assert.Throws<ArgumentException>(() => AwqSharpPacking.Pack(new byte[5], 2, 3, 4));
        Assert.Throws<ArgumentException>(() => AwqSharpPacking.Unpack(new byte[3], 2, 3, 4));
        Assert.Throws<ArgumentException>(() => AwqSharpPacking.Pack(new byte[1], 1, 1, 9));
    }
}
