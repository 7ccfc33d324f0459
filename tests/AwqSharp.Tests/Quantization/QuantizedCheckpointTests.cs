using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tests.Models;

namespace AwqSharp.Tests.Quantization;

public class QuantizedCheckpointTests
{
    private const string Fixture = "models/tiny-llama-autoawq/";

    private static void AssertLogitsClose(float[] actual, float[] expected, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxRef = expected.Max(v => Math.Abs((double)v)), maxErr = 0;
        for (int i = 0; i < expected.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(actual[i] - expected[i]));
        Assert.True(maxErr <= tolerance * maxRef, $"{what}: max abs error {maxErr:E3} vs logit scale {maxRef:E3}");
    }

    [SharedTheory(Fixture + "awq-gemm-g128/reference.safetensors")]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(200)]
    public void ThirdPartyAutoAwqCheckpointGivesTheReferenceLogits(int n)
    {
        var dir = SharedData.Require(Fixture + "awq-gemm-g128");
        using var reference = SafetensorsFile.Open(Path.Combine(dir, "reference.safetensors"));
        var ids = reference.ReadInt32($"input_ids_{n}");
        var expected = reference.ReadFloat32($"logits_quant_exact_{n}");
        var dense = LlamaModel.Load(dir, backend: QuantizedBackend.Dequantized);
        Assert.IsType<DenseLinear>(dense.Weights.Layers[0].Q);
        AssertLogitsClose(dense.ForwardAll(ids), expected, 1e-4, "AWQ GEMM checkpoint, dequantized");
        var packed = LlamaModel.Load(dir);
        Assert.IsType<AwqSharp.Runtime.PackedInt4Linear>(packed.Weights.Layers[0].Q);
        AssertLogitsClose(packed.ForwardAll(ids), expected, 1e-4, "AWQ GEMM checkpoint on the INT4 kernels");

        var fp16 = LlamaModel.Load(SharedData.Require(Fixture + "fp16"));
        AssertLogitsClose(fp16.ForwardAll(ids), reference.ReadFloat32($"logits_fp16_{n}"), 1e-4, "fp16 original");
    }

    [Theory]
    [InlineData(4, 32, QuantizedFormat.Auto, true)]        // fits GEMM
    [InlineData(4, 48, QuantizedFormat.Auto, false)]       // 48 does not divide 100 (ragged): own layout
    [InlineData(3, 32, QuantizedFormat.AwqSharp, false)]
    [InlineData(4, -1, QuantizedFormat.AwqSharp, false)]   // per-channel
    public void SavedQuantizedModelLoadsBackAndRunsTheSame(int bits, int group, QuantizedFormat format, bool expectGemm)
    {
        using var dir = new TempDir();
        var model = SyntheticModel.Create(SyntheticModel.Config(hidden: 64, intermediate: 96, layers: 2, heads: 4, kvHeads: 2, vocab: 50), seed: 6);
        if (!expectGemm && format == QuantizedFormat.Auto)
            model = SyntheticModel.Create(SyntheticModel.Config(hidden: 64, intermediate: 100, layers: 2, heads: 4, kvHeads: 2, vocab: 50), seed: 6);
        var (q, _) = ModelQuantizer.Quantize(model, new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(bits, group)));
        var qc = QuantizedCheckpointWriter.Save(q, dir.Path, format: format);
        Assert.Equal(expectGemm, qc.IsAutoAwq);
        var loaded = LlamaModel.Load(dir.Path);
        int[] tokens = [1, 4, 9, 16, 25, 36];
        // AutoAWQ stores float16 scales and dense tensors: allow for that rounding.
        AssertLogitsClose(loaded.ForwardAll(tokens), q.ToLlamaModel().ForwardAll(tokens), expectGemm ? 2e-2 : 1e-6, $"W{bits} g{group} {format}");
        Assert.Equal(expectGemm ? "awq" : "awqsharp", loaded.Config.QuantizationConfig!["quant_method"]!.GetValue<string>());
    }

    [Fact]
    public void AutoAwqFormatRefusesWhatItCannotHold()
    {
        var model = SyntheticModel.Create(ForwardPassTests.Make("llama-gqa"), seed: 6); // intermediate 172
        var (q, _) = ModelQuantizer.Quantize(model, new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(4, 32)));
        var ex = Assert.Throws<AwqException>(() => QuantizedCheckpointWriter.ChooseFormat(q, QuantizedFormat.AutoAwq));
        Assert.Contains("--format awqsharp", ex.Message);
        var (q3, _) = ModelQuantizer.Quantize(model, new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(3, 32)));
        Assert.Contains("4-bit", Assert.Throws<AwqException>(() => QuantizedCheckpointWriter.ChooseFormat(q3, QuantizedFormat.AutoAwq)).Message);
    }
}
