using System.Numerics.Tensors;
using AwqSharp.Kernels;
using AwqSharp.Models;

namespace AwqSharp.Quantization.Awq;

/// <summary>
/// AWQ's weight clipping search (llm-awq <c>auto_clip_layer</c>): per output channel and group, try
/// shrinking the group's absolute max to (1 - i/n)·max for i = 0 .. maxShrink·n - 1 (n = 20, max
/// shrink 0.5: factors 1.00, 0.95, ..., 0.55), clamp the group to ±that, quantize, and keep the factor
/// whose group-partial output <c>x_g · w_g</c> has the smallest mean squared error over a subsample of
/// the calibration tokens (every ⌊tokens/512⌋-th token).
/// </summary>
public static class AwqClipSearch
{
    public const int DefaultGridSize = 20;
    public const double DefaultMaxShrink = 0.5;
    public const int DefaultSampleTokens = 512;

    /// <summary>Returns the per-[out, group] clip bounds for <paramref name="linear"/> given its input x [rows, in].</summary>
    public static float[] Search(DenseLinear linear, ReadOnlySpan<float> x, int rows, QuantizationOptions options,
        int gridSize = DefaultGridSize, double maxShrink = DefaultMaxShrink, int sampleTokens = DefaultSampleTokens, CancellationToken cancellationToken = default)
    {
        int outF = linear.OutFeatures, inF = linear.InFeatures;
        int gs = options.EffectiveGroupSize(inF);
        int groups = (inF + gs - 1) / gs;
        var w = linear.Weight;

        // Token subsample, as the reference: input_feat[:, 0::max(1, n_token // n_sample_token)].
        int step = Math.Max(1, rows / sampleTokens);
        int t = (rows + step - 1) / step;

        var orgMax = GroupQuantizer.GroupAbsMax(w, outF, inF, options);

        var bestErr = new double[outF * groups];
        Array.Fill(bestErr, double.PositiveInfinity);
        var bestMax = (float[])orgMax.Clone();
        var clip = new float[outF * groups];
        var quantized = new float[w.Length];
        var xg = new float[t * gs];
        var delta = new float[outF * gs];
        var partial = new float[t * outF];
        int steps = (int)(maxShrink * gridSize);
        for (int i = 0; i < steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float factor = 1f - (float)i / gridSize;
            for (int j = 0; j < clip.Length; j++) clip[j] = orgMax[j] * factor;
            GroupQuantizer.FakeQuantize(w, quantized, outF, inF, options, clip);
            for (int g = 0; g < groups; g++)
            {
                int start = g * gs, len = Math.Min(gs, inF - start);
                for (int r = 0; r < t; r++) x.Slice(r * step * inF + start, len).CopyTo(xg.AsSpan(r * len, len));
                for (int o = 0; o < outF; o++)
                    TensorPrimitives.Subtract(quantized.AsSpan(o * inF + start, len), w.AsSpan(o * inF + start, len), delta.AsSpan(o * len, len));
                // partial[r, o] = x_g[r] · (Q(w) - w)[o, g]: the error of the group's contribution to output o.
                MatMul.MultiplyTransposed(xg.AsSpan(0, t * len), delta.AsSpan(0, outF * len), partial, t, len, outF);
                for (int o = 0; o < outF; o++)
                {
                    double err = 0;
                    for (int r = 0; r < t; r++) { double e = partial[r * outF + o]; err += e * e; }
                    err /= t;
                    int idx = o * groups + g;
                    if (err < bestErr[idx]) { bestErr[idx] = err; bestMax[idx] = clip[idx]; }
                }
            }
        }
        return bestMax;
    }
}
