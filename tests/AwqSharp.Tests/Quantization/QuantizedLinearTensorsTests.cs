using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Quantization;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

/// <summary>Per-linear tensors written with the safetensors writer and read back through <see cref="ITensorSource"/>.</summary>
public class QuantizedLinearTensorsTests
{
    private const string Prefix = "model.layers.3.mlp.down_proj";

    private static QuantizedWeight RoundTrip(QuantizedWeight q, AwqQuantizationConfig config, out IReadOnlyList<string> names)
    {
        using var dir = new TempDir();
        var tensors = QuantizedLinearTensors.ToTensors(Prefix, q, config);
        names = tensors.Select(t => t.Name).ToList();
        SafetensorsWriter.Write(dir.File("model.safetensors"), tensors);
        using var source = SafetensorsCheckpoint.Open(dir.Path);
        Assert.True(QuantizedLinearTensors.Contains(source, Prefix));
        Assert.Null(QuantizedLinearTensors.TryRead(source, "model.layers.3.mlp.up_proj", config));
        return QuantizedLinearTensors.Read(source, Prefix, config);
    }

    [Theory]
    [InlineData(4, 128, true, 24, 256)]
    [InlineData(4, -1, false, 8, 96)]
    [InlineData(4, 128, true, 16, 64)]   // group 128 > in 64: per-channel
    public void AutoAwq_layout_round_trips(int bits, int group, bool zeroPoint, int outF, int inF)
    {
        var options = new QuantizationOptions(bits, group, zeroPoint, QuantizationPrecision.Float16);
        var q = GroupQuantizer.Quantize(TestWeights.Random(outF, inF, seed: inF), outF, inF, options);
        var config = AwqQuantizationConfig.ForAutoAwq(options);
        if (group > inF)
        {
            // AutoAWQ readers divide in_features by group_size: such a layer cannot be described by this config.
            Assert.Contains("divide in_features", Assert.Throws<AwqException>(() => QuantizedLinearTensors.ToTensors(Prefix, q, config)).Message);
            return;
        }
        var back = RoundTrip(q, config, out var names);
        Assert.Equal([Prefix + ".qweight", Prefix + ".qzeros", Prefix + ".scales"], names);
        Assert.Equal(q.Codes, back.Codes);
        Assert.Equal(q.Zeros, back.Zeros);
        Assert.Equal(q.Scales, back.Scales);
    }

    [Theory]
    [InlineData(3, 32, true, 12, 172)]    // ragged: 172 = 5*32 + 12
    [InlineData(2, 64, true, 5, 64)]
    [InlineData(8, 128, false, 7, 300)]
    [InlineData(4, 128, true, 3, 64)]     // per-channel by min(group, in)
    [InlineData(6, -1, true, 2, 33)]
    public void AwqSharp_layout_round_trips_any_bits_and_ragged_groups(int bits, int group, bool zeroPoint, int outF, int inF)
    {
        var options = new QuantizationOptions(bits, group, zeroPoint);
        var q = GroupQuantizer.Quantize(TestWeights.Random(outF, inF, seed: bits), outF, inF, options);
        var back = RoundTrip(q, AwqQuantizationConfig.ForAwqSharp(options), out var names);
        Assert.Equal([Prefix + ".awqsharp_codes", Prefix + ".awqsharp_scales", Prefix + ".awqsharp_zeros", Prefix + ".awqsharp_shape"], names);
        Assert.Equal((q.OutFeatures, q.InFeatures, q.Bits, q.GroupSize), (back.OutFeatures, back.InFeatures, back.Bits, back.GroupSize));
        Assert.Equal(q.Codes, back.Codes);
        Assert.Equal(q.Zeros, back.Zeros);
        Assert.Equal(q.Scales, back.Scales);   // float32 scales: exact
        Assert.Equal(q.Dequantize(), back.Dequantize());
    }

    [Fact]
    public void Config_and_weight_must_agree_when_writing()
    {
        var q = GroupQuantizer.Quantize(TestWeights.Random(8, 256, 1), 8, 256, new QuantizationOptions(GroupSize: 64));
        Assert.Contains("group size 64", Assert.Throws<AwqException>(() => QuantizedLinearTensors.ToTensors(Prefix, q, AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default))).Message);
        Assert.Contains("4-bit", Assert.Throws<AwqException>(() => QuantizedLinearTensors.ToTensors(Prefix, q, AwqQuantizationConfig.ForAwqSharp(new QuantizationOptions(3, 64)))).Message);
    }

    [Fact]
    public void Corrupt_or_mismatched_tensors_are_reported_with_file_and_tensor()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.safetensors");
        var ownConfig = AwqQuantizationConfig.ForAwqSharp(new QuantizationOptions(3, 32));
        var gemmConfig = AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default);

        void Expect(IEnumerable<SafetensorsTensor> tensors, AwqQuantizationConfig config, string fragment)
        {
            SafetensorsWriter.Write(path, tensors);
            using var f = SafetensorsFile.Open(path);
            var e = Assert.Throws<InvalidModelFileException>(() => QuantizedLinearTensors.Read(f, Prefix, config));
            Assert.Contains(path, e.Message);
            Assert.Contains(fragment, e.Message);
        }

        // qweight of the wrong dtype; qzeros of the wrong shape; scales implying another group size; config says the other layout.
        Expect([SafetensorsTensor.FromFloat32(Prefix + ".qweight", new float[16], [8, 2]), SafetensorsTensor.FromInt32(Prefix + ".qzeros", new int[2], [1, 2]), SafetensorsTensor.FromHalf(Prefix + ".scales", new Half[16], [1, 16])],
            gemmConfig, "dtype F32, expected I32");
        Expect([SafetensorsTensor.FromInt32(Prefix + ".qweight", new int[256], [128, 2]), SafetensorsTensor.FromInt32(Prefix + ".qzeros", new int[4], [2, 2]), SafetensorsTensor.FromHalf(Prefix + ".scales", new Half[16], [1, 16])],
            gemmConfig, "qzeros has shape [2, 2], expected [1, 2]");
        Expect([SafetensorsTensor.FromInt32(Prefix + ".qweight", new int[256], [128, 2]), SafetensorsTensor.FromInt32(Prefix + ".qzeros", new int[4], [2, 2]), SafetensorsTensor.FromHalf(Prefix + ".scales", new Half[32], [2, 16])],
            gemmConfig, "group size 64 but quantization_config.group_size is 128");
        Expect([SafetensorsTensor.FromInt32(Prefix + ".qweight", new int[256], [128, 2])], ownConfig, "AutoAWQ GEMM layout but quantization_config.quant_method is \"awqsharp\"");
        Expect([SafetensorsTensor.FromBytes(Prefix + ".awqsharp_codes", new byte[2], [1, 2])], ownConfig, "tensor 'model.layers.3.mlp.down_proj.awqsharp_shape' is missing");

        // awqsharp: codes too short for the declared shape; a zero point above the 3-bit maximum.
        var q = GroupQuantizer.Quantize(TestWeights.Random(2, 40, 3), 2, 40, ownConfig.ToQuantizationOptions());
        var good = QuantizedLinearTensors.ToTensors(Prefix, q, ownConfig);
        Expect(good.Where(t => !t.Name.EndsWith("_codes")).Append(SafetensorsTensor.FromBytes(Prefix + ".awqsharp_codes", new byte[28], [2, 14])),
            ownConfig, "expected [2, 15]");
        var zeros = (byte[])q.Zeros.Clone(); zeros[3] = 8;
        Expect(good.Where(t => !t.Name.EndsWith("_zeros")).Append(SafetensorsTensor.FromBytes(Prefix + ".awqsharp_zeros", zeros, [2, 2])),
            ownConfig, "[1, 1] = 8 exceeds the 3-bit maximum 7");
    }

    [Fact]
    public void Dense_layers_are_not_quantized_tensors()
    {
        using var dir = new TempDir();
        SafetensorsWriter.Write(dir.File("m.safetensors"), [SafetensorsTensor.FromFloat32(Prefix + ".weight", new float[4], [2, 2])]);
        using var f = SafetensorsFile.Open(dir.File("m.safetensors"));
        Assert.False(QuantizedLinearTensors.Contains(f, Prefix));
        Assert.Null(QuantizedLinearTensors.TryRead(f, Prefix, AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default)));
        Assert.Throws<InvalidModelFileException>(() => QuantizedLinearTensors.Read(f, Prefix, AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default)));
    }
}
