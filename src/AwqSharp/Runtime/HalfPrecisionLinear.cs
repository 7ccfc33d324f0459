using AwqSharp.Kernels.Float16;
using AwqSharp.Models;

namespace AwqSharp.Runtime;

/// <summary>
/// A linear layer whose weights stay in the checkpoint's 16-bit format (binary16 or bfloat16): half the memory and
/// half the bytes per token of float32, with outputs bitwise equal to a <see cref="DenseLinear"/> over the widened
/// weights. The engine keeps unquantized FP16/BF16 weights this way (lm_head of AWQ models, every linear of FP16
/// models) when loaded with <see cref="DenseStorage.KeepHalf"/>.
/// </summary>
public sealed class HalfPrecisionLinear : ILinear
{
    public HalfPrecisionLinear(HalfMatrix weight, float[]? bias = null)
    {
        if (bias is not null && bias.Length != weight.Rows)
            throw new ArgumentException($"bias has {bias.Length} elements, expected {weight.Rows}", nameof(bias));
        Weight = weight; Bias = bias;
    }

    public HalfMatrix Weight { get; }
    public float[]? Bias { get; }
    public int InFeatures => Weight.Cols;
    public int OutFeatures => Weight.Rows;
    public long WeightBytes => Weight.ByteLength;

    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows) => Weight.Multiply(x, y, rows, Bias);
}
