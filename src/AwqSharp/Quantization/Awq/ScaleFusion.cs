using AwqSharp.Models;

namespace AwqSharp.Quantization.Awq;

/// <summary>
/// Folds AWQ scales into the model so it computes the same function: the linears' input columns are
/// multiplied by s and the op before them divides its output by s (an RMSNorm weight, or the output
/// rows and bias of the previous linear). llm-awq <c>scale_ln_fcs</c> / <c>scale_fc_fc</c>.
/// </summary>
public static class ScaleFusion
{
    /// <summary>norm.weight /= s; every linear's W[:, i] *= s[i].</summary>
    public static void IntoNorm(float[] normWeight, IEnumerable<DenseLinear> linears, ReadOnlySpan<float> s)
    {
        for (int i = 0; i < normWeight.Length; i++) normWeight[i] /= s[i];
        foreach (var l in linears) ScaleColumns(l, s);
    }

    /// <summary>previous.W[i, :] /= s[i] (and its bias); next.W[:, i] *= s[i].</summary>
    public static void IntoLinear(DenseLinear previous, DenseLinear next, ReadOnlySpan<float> s)
    {
        if (previous.OutFeatures != s.Length || next.InFeatures != s.Length)
            throw new ArgumentException($"cannot fuse {s.Length} scales between a [{previous.OutFeatures}, {previous.InFeatures}] and a [{next.OutFeatures}, {next.InFeatures}] linear");
        int inF = previous.InFeatures;
        for (int o = 0; o < previous.OutFeatures; o++)
        {
            var row = previous.Weight.AsSpan(o * inF, inF);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, s[o], row);
            if (previous.Bias is not null) previous.Bias[o] /= s[o];
        }
        ScaleColumns(next, s);
    }

    public static void ScaleColumns(DenseLinear linear, ReadOnlySpan<float> s)
    {
        int inF = linear.InFeatures;
        for (int o = 0; o < linear.OutFeatures; o++)
        {
            var row = linear.Weight.AsSpan(o * inF, inF);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, s, row);
        }
    }

    /// <summary>x[:, i] /= s[i]: the cached inputs as the scaled linears now see them.</summary>
    public static void DivideColumns(Span<float> x, int rows, ReadOnlySpan<float> s)
    {
        int cols = s.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * cols, cols);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, s, row);
        }
    }
}
