using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// Reads AWQ-quantized linears (AutoAWQ GEMM or AwqSharp layout) for <see cref="ModelLoader"/>, as
/// a runnable layer: 4-bit weights packed for the INT4 kernels (<see cref="QuantizedBackend.Packed"/>),
/// anything else dequantized to float32.
/// </summary>
public sealed class AwqLinearReader : IQuantizedLinearReader
{
    /// <summary>The layer for a quantized weight (+ bias) under <paramref name="backend"/>.</summary>
    public static ILinear CreateLinear(QuantizedWeight w, float[]? bias, QuantizedBackend backend) =>
        backend == QuantizedBackend.Packed && w.Bits == 4
            ? Runtime.PackedInt4Linear.FromQuantized(w, bias)
            : new DenseLinear(w.Dequantize(), w.OutFeatures, w.InFeatures, bias);

    public ILinear? TryRead(ITensorSource source, ModelConfig config, string name, int outFeatures, int inFeatures, float[]? bias, QuantizedBackend backend)
    {
        if (config.QuantizationConfig is null || !QuantizedLinearTensors.Contains(source, name)) return null;
        var qc = AwqQuantizationConfig.Parse(config.QuantizationConfig, "config.json: quantization_config");
        var weight = QuantizedLinearTensors.Read(source, name, qc);
        if (weight.OutFeatures != outFeatures || weight.InFeatures != inFeatures)
            throw new InvalidModelFileException(ModelLoader.Describe(source), $"quantized linear '{name}' is [{weight.OutFeatures}, {weight.InFeatures}], config.json implies [{outFeatures}, {inFeatures}]");
        return CreateLinear(weight, bias, backend);
    }
}
