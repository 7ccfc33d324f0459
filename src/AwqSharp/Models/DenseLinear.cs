using AwqSharp.Kernels;

namespace AwqSharp.Models;

/// <summary>A float32 linear layer with HuggingFace's row-major <c>[out, in]</c> weight.</summary>
public sealed class DenseLinear : ILinear
{
    public DenseLinear(float[] weight, int outFeatures, int inFeatures, float[]? bias = null)
    {
        if (weight.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"weight has {weight.Length} elements, expected [{outFeatures}, {inFeatures}]", nameof(weight));
        if (bias is not null && bias.Length != outFeatures)
            throw new ArgumentException($"bias has {bias.Length} elements, expected {outFeatures}", nameof(bias));
        Weight = weight; Bias = bias; OutFeatures = outFeatures; InFeatures = inFeatures;
    }

    /// <summary>[OutFeatures, InFeatures], row-major. Mutable on purpose: AWQ fuses scales into it.</summary>
    public float[] Weight { get; }
    public float[]? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public long WeightBytes => (long)Weight.Length * sizeof(float);

    /// <summary>
    /// The float32 form of a full-precision linear: the layer itself when dense, a widened copy (exact, with its own
    /// bias array) when kept 16-bit; null when quantized.
    /// </summary>
    public static DenseLinear? FromFullPrecision(ILinear linear) => linear switch
    {
        DenseLinear d => d,
        Runtime.HalfPrecisionLinear h => new DenseLinear(h.Weight.ToSingle(), h.OutFeatures, h.InFeatures, (float[]?)h.Bias?.Clone()),
        _ => null,
    };

    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows) =>
        MatMul.MultiplyTransposed(x, Weight, y, rows, InFeatures, OutFeatures, Bias);
}
