using System.Runtime.InteropServices;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Quantization;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

/// <summary>
/// Against ../shared/models/tiny-llama-autoawq: a checkpoint packed by AutoAWQ's own code (v0.2.9), and the values its
/// own <c>unpack_awq</c> + <c>reverse_awq_order</c> produced.
/// </summary>
public class AutoAwqFixtureTests
{
    private const string Dir = "models/tiny-llama-autoawq/";
    private const string Model = Dir + "awq-gemm-g128/model.safetensors";
    private const string Reference = Dir + "awq-gemm-g128/reference.safetensors";
    private const string Fp16 = Dir + "fp16/model.safetensors";
    private const string QProj = "model.layers.0.self_attn.q_proj";

    [SharedFact(Model, Reference)]
    public void Unpacked_q_proj_equals_AutoAWQs_own_unpacking_bitwise()
    {
        using var model = SafetensorsCheckpoint.Open(SharedData.Require(Dir + "awq-gemm-g128"));
        using var reference = SafetensorsFile.Open(SharedData.Require(Reference));
        var config = AwqQuantizationConfig.FromModelDirectory(SharedData.Require(Dir + "awq-gemm-g128"))!;
        var q = QuantizedLinearTensors.Read(model, QProj, config);
        Assert.Equal((256, 256, 4, 128), (q.OutFeatures, q.InFeatures, q.Bits, q.GroupSize));

        var codes = reference.ReadInt32("layer0_q_proj_codes");      // [out, in]
        var zeros = reference.ReadInt32("layer0_q_proj_zeros");      // [in/G, out]
        var scales = reference.ReadFloat32("layer0_q_proj_scales");  // [in/G, out]
        Assert.Equal(codes, q.Codes.Select(c => (int)c));
        for (int o = 0; o < 256; o++)
            for (int g = 0; g < 2; g++)
            {
                Assert.Equal(zeros[g * 256 + o], q.Zeros[o * 2 + g]);
                Assert.Equal(BitConverter.SingleToInt32Bits(scales[g * 256 + o]), BitConverter.SingleToInt32Bits(q.Scales[o * 2 + g]));
            }
    }

    [SharedFact(Model, Reference)]
    public void Quantizing_the_prequant_weight_in_float16_reproduces_AutoAWQs_bytes()
    {
        using var model = SafetensorsFile.Open(SharedData.Require(Model));
        using var reference = SafetensorsFile.Open(SharedData.Require(Reference));
        var w = reference.ReadFloat32("layer0_q_proj_weight_prequant");   // F16 [out, in], exact in float32
        AssertReproduces(model, QProj, w, 256, 256);
    }

    [SharedFact(Model, Reference, Fp16)]
    public void Every_linear_rebuilt_from_the_fp16_model_is_byte_identical()
    {
        // The fixture's recipe: q,k,v columns x awq_scale_l_attn and gate,up columns x awq_scale_l_mlp, each product rounded
        // to fp16 (exact fp16 x fp16 in float32, then one rounding); o_proj and down_proj unscaled.
        using var model = SafetensorsFile.Open(SharedData.Require(Model));
        using var reference = SafetensorsFile.Open(SharedData.Require(Reference));
        using var fp16 = SafetensorsFile.Open(SharedData.Require(Fp16));
        (string Name, string? Scale, int Out, int In)[] linears =
        [
            ("self_attn.q_proj", "attn", 256, 256), ("self_attn.k_proj", "attn", 128, 256), ("self_attn.v_proj", "attn", 128, 256),
            ("self_attn.o_proj", null, 256, 256), ("mlp.gate_proj", "mlp", 512, 256), ("mlp.up_proj", "mlp", 512, 256), ("mlp.down_proj", null, 256, 512),
        ];
        int checkedLinears = 0;
        for (int layer = 0; layer < 2; layer++)
            foreach (var (name, scaleKind, outF, inF) in linears)
            {
                string prefix = $"model.layers.{layer}.{name}";
                var w = fp16.ReadFloat32(prefix + ".weight");
                if (scaleKind is not null)
                {
                    var s = reference.ReadFloat32($"awq_scale_{layer}_{scaleKind}");
                    for (int o = 0; o < outF; o++)
                        for (int i = 0; i < inF; i++)
                            w[o * inF + i] = (float)(Half)(w[o * inF + i] * s[i]);
                }
                AssertReproduces(model, prefix, w, outF, inF);
                checkedLinears++;
            }
        Assert.Equal(14, checkedLinears);
    }

    [SharedFact(Model)]
    public void Reading_then_writing_every_linear_gives_back_the_same_bytes()
    {
        var dir = SharedData.Require(Dir + "awq-gemm-g128");
        using var model = SafetensorsCheckpoint.Open(dir);
        var config = AwqQuantizationConfig.FromModelDirectory(dir)!;
        var prefixes = model.TensorNames.Where(n => n.EndsWith(".qweight")).Select(n => n[..^".qweight".Length]).Order().ToList();
        Assert.Equal(14, prefixes.Count);
        foreach (var prefix in prefixes)
        {
            var tensors = QuantizedLinearTensors.ToTensors(prefix, QuantizedLinearTensors.Read(model, prefix, config), config);
            using var temp = new TempDir();
            SafetensorsWriter.Write(temp.File("x.safetensors"), tensors);
            using var written = SafetensorsFile.Open(temp.File("x.safetensors"));
            foreach (var t in tensors)
            {
                Assert.Equal(model.GetInfo(t.Name).Shape, written.GetInfo(t.Name).Shape);
                Assert.True(model.GetBytes(t.Name).SequenceEqual(written.GetBytes(t.Name)), t.Name);
            }
        }
    }

    /// <summary>Quantize with the float16 emulation, pack, and compare with the checkpoint's bytes.</summary>
    private static void AssertReproduces(SafetensorsFile model, string prefix, float[] w, int outF, int inF)
    {
        var q = GroupQuantizer.Quantize(w, outF, inF, new QuantizationOptions(4, 128, true, QuantizationPrecision.Float16));
        var (qweight, qzeros, scales) = AutoAwqPacking.Pack(q);
        Assert.True(model.GetBytes(prefix + ".qweight").SequenceEqual(MemoryMarshal.AsBytes(qweight.AsSpan())), prefix + ".qweight");
        Assert.True(model.GetBytes(prefix + ".qzeros").SequenceEqual(MemoryMarshal.AsBytes(qzeros.AsSpan())), prefix + ".qzeros");
        Assert.True(model.GetBytes(prefix + ".scales").SequenceEqual(MemoryMarshal.AsBytes(scales.AsSpan())), prefix + ".scales");
    }

    [SharedFact(Model, Reference, Dir + "awq-gemm-g128/config.json")]
    public void Float32_precision_differs_from_AutoAWQ_only_by_fp16_rounding()
    {
        // Documents the cost of the default: same codes almost everywhere, scales within one fp16 rounding.
        using var model = SafetensorsFile.Open(SharedData.Require(Model));
        using var reference = SafetensorsFile.Open(SharedData.Require(Reference));
        var w = reference.ReadFloat32("layer0_q_proj_weight_prequant");
        var ours = GroupQuantizer.Quantize(w, 256, 256, QuantizationOptions.Default);
        using var checkpoint = SafetensorsCheckpoint.Open(SharedData.Require(Dir + "awq-gemm-g128"));
        var theirs = QuantizedLinearTensors.Read(checkpoint, QProj, AwqQuantizationConfig.ForAutoAwq(QuantizationOptions.Default));
        Assert.NotEqual(theirs.Scales, ours.Scales);   // the float16 emulation is what makes the bytes identical
        for (int i = 0; i < ours.Scales.Length; i++)
            Assert.True(Math.Abs(ours.Scales[i] - theirs.Scales[i]) <= theirs.Scales[i] * (1.0 / 1024), $"scale {i}");
        int differing = ours.Codes.Zip(theirs.Codes).Count(p => p.First != p.Second);
        Console.WriteLine($"float32 vs AutoAWQ fp16: {differing} of {ours.Codes.Length} codes differ");
        Assert.True(differing < ours.Codes.Length / 100, $"{differing} codes differ");
        Assert.Equal(ours.Zeros.Length, ours.Zeros.Zip(theirs.Zeros).Count(p => Math.Abs(p.First - p.Second) <= 1));
    }
}
