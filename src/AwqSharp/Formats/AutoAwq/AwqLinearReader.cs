using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// Reads AWQ-quantized linears (AutoAWQ GEMM or AwqSharp layout) for <see cref="ModelLoader"/>, as
/// a <see cref="QuantizedWeight"/> turned into a runnable layer by <see cref="LinearFactory"/>
/// (by default: dequantized to float32).
/// </summary>
public sealed class AwqLinearReader : IQuantizedLinearReader
{
    /// <summary>Turns a quantized weight (+ bias) into a layer. The INT4 engine replaces this with packed kernels.</summary>
    public static Func<QuantizedWeight, float[]?, ILinear> LinearFactory { get; set; } =
        (w, bias) => new DenseLinear(w.Dequantize(), w.OutFeatures, w.InFeatures, bias);

    public ILinear? TryRead(ITensorSource source, ModelConfig config, string name, int outFeatures, int inFeatures, float[]? bias)
    {
        if (config.QuantizationConfig is null || !QuantizedLinearTensors.Contains(source, name)) return null;
        var qc = AwqQuantizationConfig.Parse(config.QuantizationConfig, "config.json: quantization_config");
        var weight = QuantizedLinearTensors.Read(source, name, qc);
        if (weight.OutFeatures != outFeatures || weight.InFeatures != inFeatures)
            throw new InvalidModelFileException(ModelLoader.Describe(source), $"quantized linear '{name}' is [{weight.OutFeatures}, {weight.InFeatures}], config.json implies [{outFeatures}, {inFeatures}]");
        return LinearFactory(weight, bias);
    }
}
