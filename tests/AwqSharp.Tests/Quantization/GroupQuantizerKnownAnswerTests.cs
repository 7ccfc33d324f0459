using AwqSharp.Quantization;

namespace AwqSharp.Tests.Quantization;

/// <summary>
/// Hand-computed answers of the AWQ formulas (chosen so that every scale is a power of two and every quotient exact,
/// so the expected values below follow from the formulas alone).
/// </summary>
public class GroupQuantizerKnownAnswerTests
{
    /// <summary>Every SIMD path this machine accelerates, plus the float16 emulation.</summary>
    public static TheoryData<string> Paths
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var p in Enum.GetValues<SimdPath>().Where(GroupKernels.IsSupported)) data.Add(p.ToString());
            data.Add("Float16");
            return data;
        }
    }

    /// <summary>Runs Quantize on one path ("Float16" = the float16 emulation, exact here since all values are fp16).</summary>
    private static QuantizedWeight Run(string path, float[] w, int rows, int cols, int bits, int group, bool zeroPoint, float[]? clip = null)
    {
        var precision = path == "Float16" ? QuantizationPrecision.Float16 : QuantizationPrecision.Float32;
        var simd = path == "Float16" ? GroupKernels.Best : Enum.Parse<SimdPath>(path);
        var options = new QuantizationOptions(bits, group, zeroPoint, precision);
        return GroupQuantizer.Quantize(w, rows, cols, options, clip, simd, maxDegreeOfParallelism: 1);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Asymmetric_4bit_rounds_half_to_even_and_clamps_the_top(string path)
    {
        // min -3.5, max 11.5: range 15, s = 1; z = -round(-3.5) = -(-4) = 4 (ties to even).
        // q = clamp(round(w) + 4, 0, 15): -3.5 -> -4+4 = 0; 11.5 -> 12+4 = 16 -> 15; 0.5 -> 0+4; 1.5 -> 2+4; 2.5 -> 2+4.
        var q = Run(path, [-3.5f, 11.5f, 0.5f, 1.5f, 2.5f, -0.5f], 1, 6, 4, 128, true);
        Assert.Equal(6, q.GroupSize);
        Assert.Equal([1f], q.Scales);
        Assert.Equal([(byte)4], q.Zeros);
        Assert.Equal([0, 15, 4, 6, 6, 4], q.Codes.Select(c => (int)c));
        Assert.Equal([-4f, 11f, 0f, 2f, 2f, 0f], q.Dequantize());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void All_positive_group_keeps_zero_0_and_clips_its_top_like_the_reference(string path)
    {
        // min 16, max 31: s = 1, z = clamp(-16, 0, 15) = 0, every code clamps to 15: the reference's quirk.
        var w = Enumerable.Range(16, 16).Select(i => (float)i).ToArray();
        var q = Run(path, w, 1, 16, 4, 16, true);
        Assert.Equal([1f], q.Scales);
        Assert.Equal([(byte)0], q.Zeros);
        Assert.All(q.Codes, c => Assert.Equal(15, c));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Constant_group_uses_the_minimum_range(string path)
    {
        var q = Run(path, [0.25f, 0.25f, 0.25f, 0.25f], 1, 4, 4, 4, true);
        float expected = path == "Float16" ? (float)(Half)((float)(Half)1e-5f / 15) : 1e-5f / 15;
        Assert.Equal(expected, q.Scales[0]);
        Assert.Equal(0, q.Zeros[0]);
        Assert.All(q.Codes, c => Assert.Equal(15, c));   // 0.25/s is huge: clamps
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Symmetric_4bit_uses_absmax_over_7_and_the_implicit_zero_8(string path)
    {
        // absmax 7: s = 1; q = clamp(round(w), -8, 7) + 8: -7 -> 1, 3.5 -> 4 -> 12, 2.5 -> 2 -> 10, 7 -> 15, -1.5 -> -2 -> 6.
        var q = Run(path, [-7f, 3.5f, 2.5f, 7f, -1.5f, 0f], 1, 6, 4, -1, false);
        Assert.Equal([1f], q.Scales);
        Assert.Equal([(byte)8], q.Zeros);
        Assert.Equal([1, 12, 10, 15, 6, 8], q.Codes.Select(c => (int)c));
        Assert.Equal([-7f, 4f, 2f, 7f, -2f, 0f], q.Dequantize());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Two_three_and_eight_bits(string path)
    {
        // 2-bit: [0, 3] -> s = 3/3 = 1, codes = w.   3-bit: [-2, 5] -> s = 7/7 = 1, z = 2.   8-bit: [0, 255] -> s = 1.
        var q2 = Run(path, [0f, 1f, 2f, 3f], 1, 4, 2, 4, true);
        Assert.Equal([0, 1, 2, 3], q2.Codes.Select(c => (int)c));
        var q3 = Run(path, [-2f, 5f, 0.5f, 1.5f], 1, 4, 3, 4, true);
        Assert.Equal((1f, (byte)2), (q3.Scales[0], q3.Zeros[0]));
        Assert.Equal([0, 7, 2, 4], q3.Codes.Select(c => (int)c));
        var q8 = Run(path, [0f, 255f, 127.5f, 128.5f], 1, 4, 8, 4, true);
        Assert.Equal([0, 255, 128, 128], q8.Codes.Select(c => (int)c));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Clip_bounds_clamp_each_group_before_quantizing(string path)
    {
        // Row [-10, 0, 1, 5] clipped to ±3 -> [-3, 0, 1, 3]; 2-bit: s = 6/3 = 2, z = -round(-1.5) = 2;
        // q = round(w/2) + 2: -1.5 -> -2+2 = 0; 0 -> 2; 0.5 -> 0 -> 2; 1.5 -> 2 -> 4 -> clamp 3.
        var q = Run(path, [-10f, 0f, 1f, 5f], 1, 4, 2, 4, true, clip: [3f]);
        Assert.Equal((2f, (byte)2), (q.Scales[0], q.Zeros[0]));
        Assert.Equal([0, 2, 2, 3], q.Codes.Select(c => (int)c));
        Assert.Equal([-4f, 0f, 0f, 2f], q.Dequantize());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Ragged_last_group_is_shorter(string path)
    {
        // in = 5, group 2 -> groups {0,1}, {2,3}, {4}; the last group has one element: range 0 -> minimum range.
        var q = Run(path, [0f, 3f, -3f, 0f, 2f, /* row 1 */ 1f, 4f, 0f, 0f, -8f], 2, 5, 2, 2, true);
        Assert.Equal(2, q.GroupSize);
        Assert.Equal(3, q.GroupCount);
        Assert.Equal(6, q.Scales.Length);
        Assert.Equal([1f, 1f], q.Scales.Take(2));
        Assert.Equal([0, 3, 0, 3], q.Codes.Take(4).Select(c => (int)c));
        Assert.Equal(3, q.Codes[4]);            // 2 / (1e-5/3) clamps to the top code
        Assert.Equal(0, q.Codes[9]);            // -8 alone: s = 1e-5/3, z = clamp(-round(-8/s), 0, 3) = 3, q = clamp(round(-8/s) + 3, 0, 3) = 0
        Assert.Equal(3, q.Zeros[5]);
    }
}
