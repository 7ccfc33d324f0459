using AwqSharp.Formats;
using AwqSharp.Formats.Safetensors;

namespace AwqSharp.Models;

/// <summary>Saves a dense model as a HuggingFace directory: config.json + model.safetensors (atomically, via a temp folder).</summary>
public static class ModelWriter
{
    public static void Save(LlamaModel model, string directory, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        var c = model.Config;
        var w = model.Weights;
        var tensors = new List<SafetensorsTensor>
        {
            SafetensorsTensor.FromFloat32(WeightNames.Embeddings, w.Embeddings, [c.VocabSize, c.HiddenSize], dtype),
        };
        for (int l = 0; l < c.NumLayers; l++)
        {
            var layer = w.Layers[l];
            tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.InputNorm(l), layer.InputNorm, [c.HiddenSize], dtype));
            tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.PostAttentionNorm(l), layer.PostAttentionNorm, [c.HiddenSize], dtype));
            foreach (var (name, linear) in layer.Linears())
                AddDense(tensors, WeightNames.Linear(l, name), linear, dtype);
        }
        tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.FinalNorm, w.FinalNorm, [c.HiddenSize], dtype));
        if (!c.TieWordEmbeddings) AddDense(tensors, "lm_head", w.LmHead, dtype);

        var config = (System.Text.Json.Nodes.JsonObject)c.Raw.DeepClone();
        config["torch_dtype"] = dtype switch { SafetensorsDType.F16 => "float16", SafetensorsDType.BF16 => "bfloat16", _ => "float32" };
        AtomicDirectory.Write(directory, temp =>
        {
            SafetensorsWriter.Write(Path.Combine(temp, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            ModelConfig.WriteJson(config, Path.Combine(temp, ModelConfig.FileName));
        });
    }

    private static void AddDense(List<SafetensorsTensor> tensors, string name, ILinear linear, SafetensorsDType dtype)
    {
        // A 16-bit layer widens exactly, so saving it in its own format writes back the bits it was loaded from.
        var d = DenseLinear.FromFullPrecision(linear)
            ?? throw new NotSupportedException($"'{name}' is not a dense layer; save quantized models with the quantization writer");
        tensors.Add(SafetensorsTensor.FromFloat32(name + ".weight", d.Weight, [d.OutFeatures, d.InFeatures], dtype));
        if (d.Bias is not null) tensors.Add(SafetensorsTensor.FromFloat32(name + ".bias", d.Bias, [d.OutFeatures], dtype));
    }
}
