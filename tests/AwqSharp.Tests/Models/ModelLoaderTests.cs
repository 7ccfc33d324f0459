using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Models;

public class ModelLoaderTests
{
    [Theory]
    [InlineData(SafetensorsDType.F32)]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    public void SavedModelLoadsBackWithTheSameLogits(SafetensorsDType dtype)
    {
        using var dir = new TempDir();
        var model = SyntheticModel.Create(ForwardPassTests.Make("tied-odd-heads"), seed: 4);
        ModelWriter.Save(model, dir.Path, dtype);
        var loaded = LlamaModel.Load(dir.Path);
        int[] tokens = [1, 5, 9, 2, 7];
        var a = model.ForwardAll(tokens);
        var b = loaded.ForwardAll(tokens);
        double tol = dtype == SafetensorsDType.F32 ? 0 : dtype == SafetensorsDType.F16 ? 2e-2 : 1e-1;
        double maxRef = a.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= tol * maxRef, $"{i}: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void MissingOrMisshapenTensorsAreNamed()
    {
        using var dir = new TempDir();
        var model = SyntheticModel.Create(ForwardPassTests.Make("mha-linear-rope"), seed: 4);
        ModelWriter.Save(model, dir.Path);
        // Drop one tensor and reshape another by rewriting the file.
        var path = Path.Combine(dir.Path, "model.safetensors");
        List<SafetensorsTensor> kept;
        using (var f = SafetensorsFile.Open(path))
            kept = f.Tensors.Where(t => t.Name != "model.layers.0.mlp.up_proj.weight")
                .Select(t => new SafetensorsTensor(t.Name, t.DType, t.Shape, f.GetBytes(t.Name).ToArray())).ToList();
        SafetensorsWriter.Write(path, kept);
        var ex = Assert.Throws<InvalidModelFileException>(() => LlamaModel.Load(dir.Path));
        Assert.Contains("model.layers.0.mlp.up_proj.weight", ex.Message);

        var c = model.Config;
        using (var f = SafetensorsFile.Open(path))
            kept = f.Tensors.Select(t => t.Name == "model.norm.weight"
                ? SafetensorsTensor.FromFloat32(t.Name, new float[c.HiddenSize + 1], [c.HiddenSize + 1])
                : new SafetensorsTensor(t.Name, t.DType, t.Shape, f.GetBytes(t.Name).ToArray())).ToList();
        kept.Add(SafetensorsTensor.FromFloat32("model.layers.0.mlp.up_proj.weight", new float[c.IntermediateSize * c.HiddenSize], [c.IntermediateSize, c.HiddenSize]));
        SafetensorsWriter.Write(path, kept);
        ex = Assert.Throws<InvalidModelFileException>(() => LlamaModel.Load(dir.Path));
        Assert.Contains("model.norm.weight", ex.Message);
        Assert.Contains($"[{c.HiddenSize + 1}]", ex.Message);
    }
}
