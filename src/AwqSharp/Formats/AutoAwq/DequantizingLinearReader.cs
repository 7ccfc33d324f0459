using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// Reads quantized linears (AutoAWQ GEMM or awqsharp layout, per the model's <c>quantization_config</c>) and dequantizes
/// them exactly into float32 <see cref="DenseLinear"/> layers: <c>W = (q - z) · s</c> in float32. A reference path (and a
/// fallback where no quantized kernel exists); it uses float32 memory for the weights.
/// </summary>
public sealed class DequantizingLinearReader : IQuantizedLinearReader
{
    /// <inheritdoc />
    public ILinear? TryRead(ITensorSource source, ModelConfig config, string name, int outFeatures, int inFeatures, float[]? bias)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(config);
        if (!QuantizedLinearTensors.Contains(source, name) || config.QuantizationConfig is null) return null;
        var quantization = AwqQuantizationConfig.Parse(config.QuantizationConfig, "config.json: quantization_config");
        var weight = QuantizedLinearTensors.TryRead(source, name, quantization);
        if (weight is null) return null;
        if (weight.OutFeatures != outFeatures || weight.InFeatures != inFeatures)
            throw new InvalidModelFileException(source is SafetensorsCheckpoint c ? c.Location : "checkpoint",
                $"quantized linear '{name}' is [{weight.OutFeatures}, {weight.InFeatures}], config.json implies [{outFeatures}, {inFeatures}]");
        return new DenseLinear(weight.Dequantize(), outFeatures, inFeatures, bias);
    }
}
