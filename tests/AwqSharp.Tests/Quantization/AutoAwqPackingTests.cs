using AwqSharp.Formats.AutoAwq;
using AwqSharp.Quantization;

namespace AwqSharp.Tests.Quantization;

public class AutoAwqPackingTests
{
    /// <summary>
    /// out = 16, in = 2, one group. code[o, 0] = o, code[o, 1] = 15 - o, zero[o] = 3·o mod 16, scale[o] = o/2 + 1/4.
    /// Expected words written by hand from the documented order: nibble i of word [k, c] = channel 8c + [0,2,4,6,1,3,5,7][i].
    /// </summary>
    private static QuantizedWeight HandExample()
    {
        var codes = new byte[16 * 2];
        var zeros = new byte[16];
        var scales = new float[16];
        for (int o = 0; o < 16; o++)
        {
            codes[o * 2] = (byte)o;
            codes[o * 2 + 1] = (byte)(15 - o);
            zeros[o] = (byte)(3 * o % 16);
            scales[o] = o * 0.5f + 0.25f;
        }
        return new QuantizedWeight(16, 2, 4, 2, codes, scales, zeros);
    }

    // k = 0, channels 0..7 hold 0..7: nibbles (0..7) = 0,2,4,6,1,3,5,7 -> 0x75316420; channels 8..15 -> 0xFDB9ECA8.
    // k = 1, channels 0..7 hold 15..8: nibbles = 15,13,11,9,14,12,10,8 -> 0x8ACE9BDF; channels 8..15 hold 7..0 -> 0x02461357.
    private static readonly int[] ExpectedQWeight = [0x75316420, unchecked((int)0xFDB9ECA8), unchecked((int)0x8ACE9BDF), 0x02461357];
    // zeros 0,3,6,9,12,15,2,5 | 8,11,14,1,4,7,10,13 -> nibbles 0,6,C,2,3,9,F,5 | 8,E,4,A,B,1,7,D.
    private static readonly int[] ExpectedQZeros = [0x5F932C60, unchecked((int)0xD71BA4E8)];

    [Fact]
    public void Pack_matches_hand_computed_words()
    {
        var (qweight, qzeros, scales) = AutoAwqPacking.Pack(HandExample());
        Assert.Equal(ExpectedQWeight, qweight);
        Assert.Equal(ExpectedQZeros, qzeros);
        Assert.Equal(Enumerable.Range(0, 16).Select(o => (Half)(o * 0.5f + 0.25f)), scales);
    }

    [Fact]
    public void Unpack_of_hand_computed_words_restores_the_weight()
    {
        var scales = Enumerable.Range(0, 16).Select(o => (Half)(o * 0.5f + 0.25f)).ToArray();
        var w = AutoAwqPacking.Unpack(ExpectedQWeight, ExpectedQZeros, scales, inFeatures: 2, outFeatures: 16, groupSize: 2);
        var expected = HandExample();
        Assert.Equal(expected.Codes, w.Codes);
        Assert.Equal(expected.Zeros, w.Zeros);
        Assert.Equal(expected.Scales, w.Scales);
        Assert.Equal((16, 2, 4, 2), (w.OutFeatures, w.InFeatures, w.Bits, w.GroupSize));
    }

    [Fact]
    public void Single_channel_lands_in_its_documented_nibble()
    {
        // Only channel t has code 0xF: it must sit in nibble AwqReverseOrder[t] = [0,4,1,5,2,6,3,7][t].
        int[] expectedWord = [0x0000000F, 0x000F0000, 0x000000F0, 0x00F00000, 0x00000F00, 0x0F000000, 0x0000F000, unchecked((int)0xF0000000)];
        for (int t = 0; t < 8; t++)
        {
            var codes = new byte[8];
            codes[t] = 15;
            var (qweight, _, _) = AutoAwqPacking.Pack(new QuantizedWeight(8, 1, 4, 1, codes, new float[8], new byte[8]));
            Assert.Equal(expectedWord[t], qweight[0]);
        }
    }

    [Theory]
    [InlineData(8, 128, 128)]
    [InlineData(24, 256, 64)]
    [InlineData(64, 96, 32)]
    [InlineData(16, 40, 40)]
    public void Random_weights_round_trip(int outF, int inF, int group)
    {
        var w = TestWeights.Random(outF, inF, seed: outF + inF);
        var q = GroupQuantizer.Quantize(w, outF, inF, new QuantizationOptions(4, group, true, QuantizationPrecision.Float16));
        var (qweight, qzeros, scales) = AutoAwqPacking.Pack(q);
        Assert.Equal(inF * outF / 8, qweight.Length);
        Assert.Equal(inF / group * outF / 8, qzeros.Length);
        var back = AutoAwqPacking.Unpack(qweight, qzeros, scales, inF, outF, group);
        Assert.Equal(q.Codes, back.Codes);
        Assert.Equal(q.Zeros, back.Zeros);
        Assert.Equal(q.Scales, back.Scales);   // float16 precision: exact
    }

    [Fact]
    public void Float32_scales_are_rounded_to_float16_and_codes_kept()
    {
        const int outF = 32, inF = 256;
        var w = TestWeights.Random(outF, inF, seed: 9);
        var q = GroupQuantizer.Quantize(w, outF, inF, QuantizationOptions.Default);
        var (qweight, qzeros, scales) = AutoAwqPacking.Pack(q);
        var back = AutoAwqPacking.Unpack(qweight, qzeros, scales, inF, outF, 128);
        Assert.Equal(q.Codes, back.Codes);
        Assert.Equal(q.Scales.Select(s => (float)(Half)s), back.Scales);
        // The extra error from rounding a scale is |q - z|·|s - fp16(s)| <= 15 · s · 2^-11: tiny against the step s.
        var a = q.Dequantize();
        var b = back.Dequantize();
        for (int i = 0; i < a.Length; i++)
        {
            float s = q.Scales[i / inF * 2 + i % inF / 128];
            Assert.True(Math.Abs(a[i] - b[i]) <= 15 * s / 2048 + 1e-9, $"element {i}");
        }
    }

    [Fact]
    public void Symmetric_weights_pack_with_their_explicit_zero_8()
    {
        var w = TestWeights.Random(8, 128, seed: 4);
        var q = GroupQuantizer.Quantize(w, 8, 128, new QuantizationOptions(ZeroPoint: false));
        var (_, qzeros, _) = AutoAwqPacking.Pack(q);
        Assert.Equal(unchecked((int)0x88888888), qzeros[0]);
    }

    [Fact]
    public void Unpackable_weights_are_refused_with_clear_messages()
    {
        var w = TestWeights.Random(16, 100, seed: 1);
        var ragged = GroupQuantizer.Quantize(w, 16, 100, new QuantizationOptions(GroupSize: 32));
        Assert.Contains("ragged last group", Assert.Throws<AwqException>(() => AutoAwqPacking.Pack(ragged)).Message);
        var threeBit = GroupQuantizer.Quantize(w, 16, 100, new QuantizationOptions(Bits: 3, GroupSize: 50));
        Assert.Contains("4-bit", Assert.Throws<AwqException>(() => AutoAwqPacking.Pack(threeBit)).Message);
        var odd = GroupQuantizer.Quantize(TestWeights.Random(12, 64, 1), 12, 64, new QuantizationOptions(GroupSize: 64));
        Assert.Contains("divisible by 8", Assert.Throws<AwqException>(() => AutoAwqPacking.Pack(odd)).Message);
        var huge = new QuantizedWeight(8, 1, 4, 1, new byte[8], [1e6f, 1, 1, 1, 1, 1, 1, 1], new byte[8]);
        Assert.Contains("float16", Assert.Throws<AwqException>(() => AutoAwqPacking.Pack(huge)).Message);
    }

    [Fact]
    public void Unpack_rejects_inconsistent_sizes()
    {
        Assert.Throws<ArgumentException>(() => AutoAwqPacking.Unpack(new int[3], new int[1], new Half[8], 4, 8, 4));   // qweight [4, 1] needs 4
        Assert.Throws<ArgumentException>(() => AutoAwqPacking.Unpack(new int[4], new int[2], new Half[8], 4, 8, 4));   // qzeros [1, 1]
        Assert.Throws<ArgumentException>(() => AutoAwqPacking.Unpack(new int[4], new int[1], new Half[7], 4, 8, 4));   // scales [1, 8]
        Assert.Throws<ArgumentException>(() => AutoAwqPacking.Unpack(new int[4], new int[1], new Half[8], 4, 8, 3));   // 3 does not divide 4
        Assert.Throws<ArgumentException>(() => AutoAwqPacking.Unpack(new int[4], new int[1], new Half[8], 4, 12, 4));  // out % 8
        Assert.Equal(4, AutoAwqPacking.Unpack(new int[4], new int[1], new Half[8], 4, 8, -1).GroupSize);               // -1 = per-channel
    }
}
