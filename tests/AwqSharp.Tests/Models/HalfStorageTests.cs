using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Runtime;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Models;

/// <summary>
/// <see cref="DenseStorage.KeepHalf"/>: F16/BF16 checkpoints keep their linears 16-bit, and nothing downstream can
/// tell (bitwise the same logits as the float32 load, the same quantization, the same saved files).
/// </summary>
public class HalfStorageTests
{
    private static LlamaModel Untied(string shape = "qwen2-bias") => SyntheticModel.Create(ForwardPassTests.Make(shape), seed: 9);

    [Theory]
    [InlineData(SafetensorsDType.F16, "qwen2-bias")]
    [InlineData(SafetensorsDType.BF16, "qwen2-bias")]
    [InlineData(SafetensorsDType.F16, "llama-gqa")]
    public void HalfLinearsGiveBitwiseTheFloat32LoadsLogits(SafetensorsDType dtype, string shape)
    {
        using var dir = new TempDir();
        ModelWriter.Save(Untied(shape), dir.Path, dtype);
        var wide = LlamaModel.Load(dir.Path);
        var half = LlamaModel.Load(dir.Path, dense: DenseStorage.KeepHalf);
        Assert.All(half.Weights.Layers.SelectMany(l => l.Linears()), l => Assert.IsType<HalfPrecisionLinear>(l.Linear));
        Assert.IsType<HalfPrecisionLinear>(half.Weights.LmHead);
        // 2 bytes a weight (rows padded to a whole tile of 4) instead of 4.
        foreach (var linear in half.Weights.Layers.SelectMany(l => l.Linears()).Select(l => l.Linear).Append(half.Weights.LmHead))
            Assert.Equal((linear.OutFeatures + 3) / 4 * 4L * linear.InFeatures * 2, linear.WeightBytes);

        int[] prompt = [3, 1, 4, 1, 5, 9, 2, 6];
        Assert.Equal(Bits(wide.ForwardAll(prompt)), Bits(half.ForwardAll(prompt)));
        // Decode steps (m = 1: the in-register kernel) after a prefill (m > 1: widened blocks).
        var (cw, ch) = (wide.CreateCache(16), half.CreateCache(16));
        Assert.Equal(Bits(wide.ForwardLast(prompt, cw)), Bits(half.ForwardLast(prompt, ch)));
        foreach (int t in new[] { 7, 0, 11 })
            Assert.Equal(Bits(wide.ForwardLast([t], cw)), Bits(half.ForwardLast([t], ch)));
    }

    [Fact]
    public void Float32CheckpointsStayFloat32()
    {
        using var dir = new TempDir();
        ModelWriter.Save(Untied(), dir.Path);
        var model = LlamaModel.Load(dir.Path, dense: DenseStorage.KeepHalf);
        Assert.IsType<DenseLinear>(model.Weights.LmHead);
        Assert.IsType<DenseLinear>(model.Weights.Layers[0].Q);
    }

    [Fact]
    public void QuantizingAHalfModelEqualsQuantizingItsFloat32Load()
    {
        using var dir = new TempDir();
        ModelWriter.Save(Untied(), dir.Path, SafetensorsDType.F16);
        var request = new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(Bits: 4, GroupSize: 16));
        var (a, _) = ModelQuantizer.Quantize(LlamaModel.Load(dir.Path), request);
        var (b, _) = ModelQuantizer.Quantize(LlamaModel.Load(dir.Path, dense: DenseStorage.KeepHalf), request);
        Assert.Equal(a.LmHead, b.LmHead);
        for (int l = 0; l < a.Layers.Length; l++)
            foreach (var (name, w) in a.Layers[l].Linears)
            {
                Assert.Equal(w.Codes, b.Layers[l].Linears[name].Codes);
                Assert.Equal(w.Scales, b.Layers[l].Linears[name].Scales);
                Assert.Equal(w.Zeros, b.Layers[l].Linears[name].Zeros);
            }
    }

    [Fact]
    public void SavingAHalfModelWritesTheSameWeights()
    {
        using var dir = new TempDir();
        ModelWriter.Save(Untied(), dir.Path, SafetensorsDType.F16);
        var half = LlamaModel.Load(dir.Path, dense: DenseStorage.KeepHalf);
        using var again = new TempDir();
        ModelWriter.Save(half, again.Path, SafetensorsDType.F16);
        using var a = SafetensorsFile.Open(Path.Combine(dir.Path, "model.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(again.Path, "model.safetensors"));
        foreach (var name in a.TensorNames)
            Assert.True(a.GetBytes(name).SequenceEqual(b.GetBytes(name)), name);
    }

    [Fact]
    public void NonFiniteHalfWeightsNameTheTensor()
    {
        using var dir = new TempDir();
        ModelWriter.Save(Untied(), dir.Path, SafetensorsDType.F16);
        var path = Path.Combine(dir.Path, "model.safetensors");
        List<SafetensorsTensor> tensors;
        using (var file = SafetensorsFile.Open(path))
            tensors = file.Tensors.Select(t =>
            {
                var bytes = file.GetBytes(t.Name).ToArray();
                if (t.Name == "lm_head.weight") { bytes[6] = 0x00; bytes[7] = 0x7C; } // element 3 = +inf
                return new SafetensorsTensor(t.Name, t.DType, t.Shape, bytes);
            }).ToList();
        SafetensorsWriter.Write(path, tensors);
        var e = Assert.Throws<InvalidModelFileException>(() => LlamaModel.Load(dir.Path, dense: DenseStorage.KeepHalf));
        Assert.Contains("lm_head.weight", e.Message);
        Assert.Contains("[0, 3]", e.Message);
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
