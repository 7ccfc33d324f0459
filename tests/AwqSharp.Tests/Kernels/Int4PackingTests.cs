using AwqSharp.Kernels.Int4;
using AwqSharp.Quantization;

namespace AwqSharp.Tests.Kernels;

public class Int4PackingTests
{
    [Theory]
    [InlineData(37, 200, 32, true)]
    [InlineData(6, 300, 64, false)]
    [InlineData(1, 8, 8, true)]
    [InlineData(13, 1000, 128, false)]
    [InlineData(30, 136, 136, true)]
    [InlineData(11, 72, 24, false)]
    public void DequantizeRoundTripsBitwise(int outF, int inF, int group, bool halfScales)
    {
        var q = Int4TestData.Weight(outF, inF, group, seed: outF + inF, halfScales);
        var packed = PackedInt4Matrix.FromQuantized(q);
        Assert.Equal(halfScales ? Int4ScaleStorage.Half : Int4ScaleStorage.Single, packed.ScaleStorage);
        Assert.Equal((outF, inF, group), (packed.OutFeatures, packed.InFeatures, packed.GroupSize));
        var expected = q.Dequantize();
        var actual = packed.Dequantize();
        Assert.True(expected.AsSpan().SequenceEqual(actual), "packed Dequantize differs from QuantizedWeight.Dequantize");
    }

    [Fact]
    public void ForcedHalfStorageRoundsScalesToNearestHalf()
    {
        var q = Int4TestData.Weight(9, 160, 32, seed: 3, halfScales: false);
        var packed = PackedInt4Matrix.FromQuantized(q, Int4ScaleStorage.Half);
        Assert.Equal(Int4ScaleStorage.Half, packed.ScaleStorage);
        var rounded = new QuantizedWeight(9, 160, 4, 32, q.Codes, q.Scales.Select(s => (float)(Half)s).ToArray(), q.Zeros);
        Assert.True(rounded.Dequantize().AsSpan().SequenceEqual(packed.Dequantize()));
        var single = PackedInt4Matrix.FromQuantized(Int4TestData.Weight(9, 160, 32, seed: 3), Int4ScaleStorage.Single);
        Assert.Equal(Int4ScaleStorage.Single, single.ScaleStorage);
    }

    [Fact]
    public unsafe void CodesFollowTheDocumentedByteLayout()
    {
        // 6 rows (2 tiles, the second half padding), 300 inputs (3 chunks, the last one padded), groups of 64.
        var q = Int4TestData.Weight(6, 300, 64, seed: 9);
        var packed = PackedInt4Matrix.FromQuantized(q);
        Assert.Equal(0, (long)packed.Codes % 64);
        const int chunks = 3;
        for (int o = 0; o < 8; o++)
        {
            for (int i = 0; i < chunks * 128; i++)
            {
                int tile = o / 4, row = o % 4, chunk = i / 128, j = i % 128 / 16, d = i % 16;
                long offset = ((long)(tile * chunks + chunk) * 4 + row) * 64 + 4 * d + j / 2;
                int nibble = (packed.Codes[offset] >> (4 * (j % 2))) & 15;
                int expected = o < 6 && i < 300 ? q.Codes[o * 300 + i] : 0;
                Assert.True(expected == nibble, $"W[{o},{i}]: byte {offset} holds {nibble}, expected {expected}");
            }
        }
        for (int o = 0; o < 8; o++)
        {
            for (int g = 0; g < 5; g++)
            {
                int at = ((o / 4) * 5 + g) * 4 + o % 4;
                Assert.Equal(o < 6 ? q.Zeros[o * 5 + g] : 0, packed.Zeros[at]);
                Assert.Equal(o < 6 ? q.Scales[o * 5 + g] : 0f, (float)BitConverter.UInt16BitsToHalf(packed.HalfScales![at]));
            }
        }
    }

    [Theory]
    [InlineData(6, 300, 64, true, 2 * 3 * 256 + 2 * 5 * 4 * 3)]
    [InlineData(6, 300, 64, false, 2 * 3 * 256 + 2 * 5 * 4 * 5)]
    [InlineData(4096, 11008, 128, true, 4096L * 11008 / 2 + 4096L * 86 * 3)]
    public void WeightBytesCountsCodesScalesAndZeroPoints(int outF, int inF, int group, bool half, long expected)
    {
        var q = new QuantizedWeight(outF, inF, 4, group, new byte[outF * inF], Enumerable.Repeat(half ? 0.5f : 0.1f, outF * ((inF + group - 1) / group)).ToArray(), new byte[outF * ((inF + group - 1) / group)]);
        Assert.Equal(expected, PackedInt4Matrix.FromQuantized(q).WeightBytes);
    }

    [Fact]
    public void BadWeightsAreRejectedWithTheFieldNamed()
    {
        var three = new QuantizedWeight(2, 16, 3, 16, new byte[32], [1f, 1f], [4, 4]);
        Assert.Contains("Bits is 3", Assert.Throws<UnsupportedModelException>(() => PackedInt4Matrix.FromQuantized(three)).Message);

        var q = Int4TestData.Weight(3, 40, 16, seed: 1);
        q.Codes[41] = 16;
        Assert.Contains("Codes[1, 1]", Assert.Throws<AwqException>(() => PackedInt4Matrix.FromQuantized(q)).Message);

        q = Int4TestData.Weight(3, 40, 16, seed: 1);
        q.Zeros[4] = 200;
        Assert.Contains("Zeros[1, 1]", Assert.Throws<AwqException>(() => PackedInt4Matrix.FromQuantized(q)).Message);

        q = Int4TestData.Weight(3, 40, 16, seed: 1);
        q.Scales[5] = float.NaN;
        Assert.Contains("Scales[1, 2]", Assert.Throws<AwqException>(() => PackedInt4Matrix.FromQuantized(q)).Message);

        q = Int4TestData.Weight(3, 40, 16, seed: 1);
        q.Scales[2] = 1e6f;
        Assert.Contains("fp16", Assert.Throws<AwqException>(() => PackedInt4Matrix.FromQuantized(q, Int4ScaleStorage.Half)).Message);
        Assert.Equal(Int4ScaleStorage.Single, PackedInt4Matrix.FromQuantized(q).ScaleStorage);
    }

    [Fact]
    public unsafe void HalfConversionIsExactForEveryFiniteHalf()
    {
        var bits = Enumerable.Range(0, 65536).Select(i => (ushort)i).Where(b => Half.IsFinite(BitConverter.UInt16BitsToHalf(b))).ToArray();
        var converted = new float[bits.Length];
        fixed (ushort* src = bits) fixed (float* dst = converted) Int4Metadata.HalfToSingle(src, dst, bits.Length);
        for (int i = 0; i < bits.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(bits[i]);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(converted[i]), $"half 0x{bits[i]:X4}: {converted[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public unsafe void ZeroPointConversionIsExact()
    {
        var bytes = Enumerable.Range(0, 37).Select(i => (byte)(i * 7 % 256)).ToArray();
        var converted = new float[bytes.Length];
        fixed (byte* src = bytes) fixed (float* dst = converted) Int4Metadata.BytesToSingle(src, dst, bytes.Length);
        Assert.Equal(bytes.Select(b => (float)b), converted);
    }
}
