using AwqSharp.Quantization;

namespace AwqSharp.Tests.Quantization;

/// <summary>
/// The quantizer against the naive reference transcription, on every SIMD path, thread count and precision, plus
/// error-bound properties computed in float64.
/// </summary>
public class GroupQuantizerTests
{
    public static IEnumerable<object[]> Cases()
    {
        // rows, cols, bits, group, zeroPoint — cols include lengths under one vector, non-multiples of 16/64 and ragged groups.
        int[][] shapes = [[3, 7, 4, 128, 1], [5, 64, 4, 32, 1], [4, 172, 4, 32, 1], [4, 172, 3, -1, 1], [6, 256, 2, 64, 1],
                          [2, 300, 8, 128, 1], [4, 130, 4, 128, 0], [3, 96, 3, 32, 0], [2, 40, 8, 40, 0], [9, 33, 4, 5, 1]];
        foreach (var s in shapes)
            foreach (var path in Enum.GetValues<SimdPath>().Where(GroupKernels.IsSupported))
                yield return [s[0], s[1], s[2], s[3], s[4] == 1, path.ToString()];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Quantize_matches_the_reference_transcription(int rows, int cols, int bits, int group, bool zeroPoint, string pathName)
    {
        var path = Enum.Parse<SimdPath>(pathName);
        var w = TestWeights.Random(rows, cols, seed: rows * 1000 + cols + bits);
        var expected = ReferenceQuantizer.Run(w, rows, cols, bits, group, zeroPoint, fp16: false);
        var q = GroupQuantizer.Quantize(w, rows, cols, new QuantizationOptions(bits, group, zeroPoint), default, path, 1);
        Assert.Equal(expected.GroupSize, q.GroupSize);
        Assert.Equal(expected.Codes, q.Codes);
        Assert.Equal(expected.Zeros, q.Zeros);
        Assert.Equal(expected.Scales, q.Scales);
        Assert.Equal(expected.Dequantized, q.Dequantize());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FakeQuantize_matches_the_reference_and_Quantize_then_Dequantize(int rows, int cols, int bits, int group, bool zeroPoint, string pathName)
    {
        var path = Enum.Parse<SimdPath>(pathName);
        var w = TestWeights.Random(rows, cols, seed: rows * 7 + cols);
        var options = new QuantizationOptions(bits, group, zeroPoint);
        var fake = (float[])w.Clone();
        GroupQuantizer.FakeQuantize(fake, fake, rows, cols, options, default, path, 1);
        Assert.Equal(ReferenceQuantizer.Run(w, rows, cols, bits, group, zeroPoint, fp16: false).Dequantized, fake);
        Assert.Equal(GroupQuantizer.Quantize(w, rows, cols, options).Dequantize(), fake);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Clipped_quantization_matches_the_reference(int rows, int cols, int bits, int group, bool zeroPoint, string pathName)
    {
        var path = Enum.Parse<SimdPath>(pathName);
        var w = TestWeights.Random(rows, cols, seed: cols);
        var options = new QuantizationOptions(bits, group, zeroPoint);
        int groups = (cols + options.EffectiveGroupSize(cols) - 1) / options.EffectiveGroupSize(cols);
        var rng = new Random(5);
        // AWQ's clip search proposes shrink factors 1.0 .. 0.55 of each group's absmax; use random bounds in that spirit.
        var clip = Enumerable.Range(0, rows * groups).Select(_ => (float)(0.01 + 0.05 * rng.NextDouble())).ToArray();
        clip[0] = float.PositiveInfinity;
        var expected = ReferenceQuantizer.Run(w, rows, cols, bits, group, zeroPoint, fp16: false, clip);
        var q = GroupQuantizer.Quantize(w, rows, cols, options, clip, path, 1);
        Assert.Equal(expected.Codes, q.Codes);
        Assert.Equal(expected.Scales, q.Scales);
        var fake = new float[w.Length];
        GroupQuantizer.FakeQuantize(w, fake, rows, cols, options, clip, path, 1);
        Assert.Equal(expected.Dequantized, fake);
    }

    [Theory]
    [InlineData(4, 128, true)]
    [InlineData(3, 64, true)]
    [InlineData(8, 128, false)]
    [InlineData(4, 100, true)]     // ragged
    public void Float16_precision_emulates_AutoAWQs_fp16_arithmetic(int bits, int group, bool zeroPoint)
    {
        const int rows = 6, cols = 256;
        var w = TestWeights.Random(rows, cols, seed: 77 + bits);   // float32 input: the emulation first rounds it to fp16
        var expected = ReferenceQuantizer.Run(w, rows, cols, bits, group, zeroPoint, fp16: true);
        var options = new QuantizationOptions(bits, group, zeroPoint, QuantizationPrecision.Float16);
        var q = GroupQuantizer.Quantize(w, rows, cols, options);
        Assert.Equal(expected.Codes, q.Codes);
        Assert.Equal(expected.Zeros, q.Zeros);
        Assert.Equal(expected.Scales, q.Scales);
        Assert.All(q.Scales, s => Assert.Equal(s, (float)(Half)s));          // lossless in an fp16 checkpoint
        var fake = (float[])w.Clone();
        GroupQuantizer.FakeQuantize(fake, rows, cols, options);
        Assert.Equal(expected.Dequantized, fake);
        Assert.Equal(q.Dequantize().Select(v => (float)(Half)v), fake);      // = fp16((q - z) * s), as dequantize_gemm
    }

    [Fact]
    public void Float16_and_float32_precisions_differ_somewhere_on_real_shapes()
    {
        // Guards the option against being silently ignored.
        var w = TestWeights.Random(16, 512, seed: 3);
        var a = GroupQuantizer.Quantize(w, 16, 512, new QuantizationOptions());
        var b = GroupQuantizer.Quantize(w, 16, 512, new QuantizationOptions(Precision: QuantizationPrecision.Float16));
        Assert.NotEqual(a.Scales, b.Scales);
    }

    [Theory]
    [InlineData(4, 128, true)]
    [InlineData(3, 32, true)]
    [InlineData(2, 64, true)]
    [InlineData(8, 128, true)]
    [InlineData(4, 128, false)]
    [InlineData(4, 48, false)]
    public void Error_is_at_most_half_a_step_inside_the_grid(int bits, int group, bool zeroPoint)
    {
        const int rows = 8, cols = 384;
        var w = TestWeights.Random(rows, cols, seed: bits * 31 + group);
        var q = GroupQuantizer.Quantize(w, rows, cols, new QuantizationOptions(bits, group, zeroPoint));
        var dq = q.Dequantize();
        int groups = q.GroupCount;
        for (int o = 0; o < rows; o++)
        for (int i = 0; i < cols; i++)
        {
            int g = i / q.GroupSize;
            double s = q.Scales[o * groups + g], z = q.Zeros[o * groups + g];
            double lo = (0 - z) * s, hi = (q.MaxCode - z) * s;   // representable range of the group
            double x = w[o * cols + i];
            Assert.InRange(q.Codes[o * cols + i], 0, q.MaxCode);
            if (x >= lo && x <= hi)
                Assert.True(Math.Abs(x - dq[o * cols + i]) <= s / 2 + 1e-6 * (Math.Abs(x) + s), $"[{o},{i}] |{x} - {dq[o * cols + i]}| > s/2 = {s / 2}");
            else
                Assert.Equal(x < lo ? lo : hi, dq[o * cols + i], 1e-6 * (Math.Abs(lo) + Math.Abs(hi)));   // float32 rounding of (q - z)·s
        }
        // The asymmetric grid covers [min, max] up to the rounding of the zero point; symmetric covers [-absmax, absmax].
        for (int o = 0; o < rows; o++)
        for (int g = 0; g < groups; g++)
        {
            var seg = w.AsSpan(o * cols + g * q.GroupSize, Math.Min(q.GroupSize, cols - g * q.GroupSize)).ToArray();
            double s = q.Scales[o * groups + g];
            if (zeroPoint) Assert.Equal((double)seg.Max() - seg.Min(), s * q.MaxCode, 1e-6 * s * q.MaxCode);
            else Assert.Equal(Math.Max(seg.Max(), -seg.Min()), s * ((1 << (bits - 1)) - 1), 1e-6 * s * q.MaxCode);
        }
    }

    [Fact]
    public void Results_do_not_depend_on_thread_count_or_instruction_set()
    {
        const int rows = 300, cols = 520;   // above the parallel threshold; ragged with group 128
        var w = TestWeights.Random(rows, cols, seed: 11);
        var options = new QuantizationOptions(3, 128, true);
        float[]? baseline = null;
        foreach (var path in Enum.GetValues<SimdPath>().Where(GroupKernels.IsSupported))
            foreach (int threads in new[] { 1, 2, 7 })
            {
                var fake = new float[w.Length];
                GroupQuantizer.FakeQuantize(w, fake, rows, cols, options, default, path, threads);
                if (baseline is null) baseline = fake;
                else Assert.Equal(baseline, fake);
                Assert.Equal(GroupQuantizer.Quantize(w, rows, cols, options, default, path, threads).Codes,
                             GroupQuantizer.Quantize(w, rows, cols, options, default, SimdPath.Scalar, 1).Codes);
            }
    }

    [Fact]
    public void Per_channel_large_rows_use_pooled_scratch()
    {
        const int rows = 3, cols = 5000;   // group = 5000 > stack scratch limit
        var w = TestWeights.Random(rows, cols, seed: 2);
        foreach (var precision in new[] { QuantizationPrecision.Float32, QuantizationPrecision.Float16 })
        {
            var expected = ReferenceQuantizer.Run(w, rows, cols, 4, -1, true, precision == QuantizationPrecision.Float16);
            var q = GroupQuantizer.Quantize(w, rows, cols, new QuantizationOptions(GroupSize: -1, Precision: precision));
            Assert.Equal(expected.Codes, q.Codes);
            var fake = (float[])w.Clone();
            GroupQuantizer.FakeQuantize(fake, rows, cols, new QuantizationOptions(GroupSize: -1, Precision: precision));
            Assert.Equal(expected.Dequantized, fake);
        }
    }

    [Theory]
    [InlineData(float.NaN, QuantizationPrecision.Float32)]
    [InlineData(float.PositiveInfinity, QuantizationPrecision.Float32)]
    [InlineData(float.NegativeInfinity, QuantizationPrecision.Float16)]
    [InlineData(1e6f, QuantizationPrecision.Float16)]           // overflows float16
    public void Non_finite_weights_are_reported_with_row_and_group(float bad, QuantizationPrecision precision)
    {
        const int rows = 200, cols = 512;   // parallel
        var w = TestWeights.Random(rows, cols, seed: 1);
        w[150 * cols + 300] = bad;      // row 150, group 2
        w[180 * cols + 10] = bad;       // a later one must not win
        var options = new QuantizationOptions(Precision: precision);
        var e = Assert.Throws<ArgumentException>(() => GroupQuantizer.Quantize(w, rows, cols, options));
        Assert.Contains("row 150, group 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => GroupQuantizer.FakeQuantize(w, rows, cols, options));
        Assert.Contains("row 150, group 2", e.Message);
    }

    [Fact]
    public void GroupAbsMax_gives_the_unclipped_bound_that_leaves_quantization_unchanged()
    {
        const int rows = 5, cols = 172;   // ragged with group 32
        var w = TestWeights.Random(rows, cols, seed: 8);
        var options = new QuantizationOptions(3, 32);
        var absMax = GroupQuantizer.GroupAbsMax(w, rows, cols, options);
        Assert.Equal(rows * options.GroupCount(cols), absMax.Length);
        for (int o = 0; o < rows; o++)
            for (int g = 0; g < 6; g++)
                Assert.Equal(w.Skip(o * cols + g * 32).Take(Math.Min(32, cols - g * 32)).Max(Math.Abs), absMax[o * 6 + g]);
        Assert.Equal(GroupQuantizer.Quantize(w, rows, cols, options).Codes, GroupQuantizer.Quantize(w, rows, cols, options, absMax).Codes);
        // Shrinking the bound (AWQ's clip grid) changes the result.
        var shrunk = absMax.Select(m => m * 0.55f).ToArray();
        Assert.NotEqual(GroupQuantizer.Quantize(w, rows, cols, options).Codes, GroupQuantizer.Quantize(w, rows, cols, options, shrunk).Codes);
    }

    [Fact]
    public void Bad_shapes_and_clip_bounds_are_rejected()
    {
        var w = new float[12];
        var o = new QuantizationOptions(GroupSize: 4);
        Assert.Contains("expected 3x5", Assert.Throws<ArgumentException>(() => GroupQuantizer.Quantize(w, 3, 5, o)).Message);
        Assert.Contains("must be positive", Assert.Throws<ArgumentException>(() => GroupQuantizer.Quantize(w, 0, 12, o)).Message);
        Assert.Contains("clipMax has 2", Assert.Throws<ArgumentException>(() => GroupQuantizer.Quantize(w, 3, 4, o, new float[2])).Message);
        Assert.Contains("clipMax[1, 0]", Assert.Throws<ArgumentException>(() => GroupQuantizer.Quantize(w, 3, 4, o, [1f, -1f, 1f])).Message);
        Assert.Contains("clipMax[2, 0]", Assert.Throws<ArgumentException>(() => GroupQuantizer.FakeQuantize(w, 3, 4, o, [1f, 1f, float.NaN])).Message);
        Assert.Throws<ArgumentException>(() => GroupQuantizer.FakeQuantize(w, new float[11], 3, 4, o));
        var big = new float[24];
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => GroupQuantizer.FakeQuantize(big.AsSpan(0, 12), big.AsSpan(4, 12), 3, 4, o)).Message);
    }
}
