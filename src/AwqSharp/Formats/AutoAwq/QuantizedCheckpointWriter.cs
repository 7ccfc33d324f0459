using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>Which layout a quantized checkpoint is written in.</summary>
public enum QuantizedFormat
{
    /// <summary>AutoAWQ GEMM when every linear fits it (4-bit, group dividing in_features, out_features % 8 == 0), else AwqSharp's own.</summary>
    Auto,
    /// <summary>AutoAWQ "GEMM" (quant_method "awq"): what vLLM, transformers and AutoAWQ load.</summary>
    AutoAwq,
    /// <summary>AwqSharp's own layout (quant_method "awqsharp"): any bit width, ragged groups.</summary>
    AwqSharp,
}

/// <summary>
/// Saves a <see cref="QuantizedModel"/> as a HuggingFace model directory: config.json with
/// <c>quantization_config</c>, model.safetensors (quantized linears in the chosen layout; embeddings,
/// norms, biases and lm_head dense), and the source model's tokenizer and generation files. Written
/// into a temp folder and renamed, so an interrupted run leaves nothing behind.
/// </summary>
public static class QuantizedCheckpointWriter
{
    /// <summary>Files copied unchanged from the source model directory when present.</summary>
    public static readonly IReadOnlyList<string> CopiedFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json", "added_tokens.json",
        "vocab.json", "merges.txt", "generation_config.json", "chat_template.jinja", "chat_template.json",
    ];

    public static AwqQuantizationConfig ChooseFormat(QuantizedModel model, QuantizedFormat format)
    {
        var options = model.Options;
        bool fitsGemm = options.Bits == AutoAwqPacking.Bits && model.Layers.All(l => l.Linears.Values.All(FitsGemm));
        if (format == QuantizedFormat.AutoAwq && !fitsGemm)
        {
            var bad = model.Layers.SelectMany(l => l.Linears).FirstOrDefault(kv => !FitsGemm(kv.Value));
            throw new AwqException(options.Bits != AutoAwqPacking.Bits
                ? $"the AutoAWQ GEMM format stores 4-bit weights only (--bits {options.Bits}); use --format awqsharp"
                : $"the AutoAWQ GEMM format needs the group size to divide every input dimension and output dimensions divisible by 8; " +
                  $"'{bad.Key}' is [{bad.Value.OutFeatures}, {bad.Value.InFeatures}] with group size {options.GroupSize}; use --format awqsharp");
        }
        return format == QuantizedFormat.AwqSharp || (format == QuantizedFormat.Auto && !fitsGemm)
            ? AwqQuantizationConfig.ForAwqSharp(options)
            : AwqQuantizationConfig.ForAutoAwq(options);
    }

    private static bool FitsGemm(QuantizedWeight w) =>
        w.Bits == AutoAwqPacking.Bits && w.OutFeatures % AutoAwqPacking.PackFactor == 0 && w.InFeatures % w.GroupSize == 0;

    /// <summary>Writes the checkpoint. Dense tensors are float16 in the AutoAWQ layout (as AutoAWQ saves them), float32 in AwqSharp's.</summary>
    public static AwqQuantizationConfig Save(QuantizedModel model, string outputDirectory, string? sourceDirectory = null,
        QuantizedFormat format = QuantizedFormat.Auto, CancellationToken cancellationToken = default)
    {
        var qc = ChooseFormat(model, format);
        var dense = qc.IsAutoAwq ? SafetensorsDType.F16 : SafetensorsDType.F32;
        var c = model.Config;
        var tensors = new List<SafetensorsTensor>
        {
            SafetensorsTensor.FromFloat32(WeightNames.Embeddings, model.Embeddings, [c.VocabSize, c.HiddenSize], dense),
        };
        for (int l = 0; l < model.Layers.Length; l++)
        {
            var layer = model.Layers[l];
            tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.InputNorm(l), layer.InputNorm, [c.HiddenSize], dense));
            tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.PostAttentionNorm(l), layer.PostAttentionNorm, [c.HiddenSize], dense));
            foreach (var (name, weight) in layer.Linears.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var prefix = WeightNames.Linear(l, name);
                tensors.AddRange(QuantizedLinearTensors.ToTensors(prefix, weight, qc));
                if (layer.Biases.TryGetValue(name, out var bias))
                    tensors.Add(SafetensorsTensor.FromFloat32(prefix + ".bias", bias, [bias.Length], dense));
            }
        }
        tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.FinalNorm, model.FinalNorm, [c.HiddenSize], dense));
        if (model.LmHead is not null)
            tensors.Add(SafetensorsTensor.FromFloat32(WeightNames.LmHead, model.LmHead, [c.VocabSize, c.HiddenSize], dense));

        var config = (System.Text.Json.Nodes.JsonObject)c.Raw.DeepClone();
        config["quantization_config"] = qc.ToJson();
        config["torch_dtype"] = dense == SafetensorsDType.F16 ? "float16" : "float32";
        AtomicDirectory.Write(outputDirectory, temp =>
        {
            SafetensorsWriter.Write(Path.Combine(temp, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" }, cancellationToken);
            ModelConfig.WriteJson(config, Path.Combine(temp, ModelConfig.FileName));
            if (sourceDirectory is not null)
                foreach (var f in CopiedFiles)
                {
                    var src = Path.Combine(sourceDirectory, f);
                    if (File.Exists(src)) File.Copy(src, Path.Combine(temp, f));
                }
        });
        return qc;
    }
}
