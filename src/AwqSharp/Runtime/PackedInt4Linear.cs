using AwqSharp.Kernels.Int4;
using AwqSharp.Models;
using AwqSharp.Quantization;

namespace AwqSharp.Runtime;

/// <summary>
/// A 4-bit linear layer that keeps its weights packed (about half a byte per weight plus group
/// scales) and dequantizes in registers: the INT4 engine's layer (see docs/int4-kernels.md).
/// </summary>
public sealed class PackedInt4Linear(PackedInt4Matrix matrix, float[]? bias = null) : ILinear
{
    public PackedInt4Matrix Matrix { get; } = matrix;
    public float[]? Bias { get; } = bias;
    public int InFeatures => Matrix.InFeatures;
    public int OutFeatures => Matrix.OutFeatures;
    public long WeightBytes => Matrix.WeightBytes;

    public static PackedInt4Linear FromQuantized(QuantizedWeight weight, float[]? bias = null) => new(PackedInt4Matrix.FromQuantized(weight), bias);

    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows) => Matrix.Multiply(x, y, rows, Bias);
}
