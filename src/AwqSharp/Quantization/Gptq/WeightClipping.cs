using AwqSharp.Models;

namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// Applies AWQ's clip search results to the weights themselves (llm-awq <c>apply_clip</c>: each group clamped to
/// ±max_val), the form in which AWQ hands its clipping to GPTQ in AWQ+GPTQ.
/// </summary>
public static class WeightClipping
{
    /// <summary>Clamps every group of <paramref name="linear"/> to <c>±clipMax[o, g]</c> (<c>[out, groups]</c> for <paramref name="options"/>' groups).</summary>
    /// <exception cref="ArgumentException"><paramref name="clipMax"/> has the wrong length.</exception>
    public static void Apply(DenseLinear linear, ReadOnlySpan<float> clipMax, QuantizationOptions options)
    {
        int outF = linear.OutFeatures, inF = linear.InFeatures;
        int gs = options.EffectiveGroupSize(inF), groups = options.GroupCount(inF);
        if (clipMax.Length != outF * groups)
            throw new ArgumentException($"clipMax has {clipMax.Length} elements, expected [{outF}, {groups}]", nameof(clipMax));
        var w = linear.Weight;
        for (int o = 0; o < outF; o++)
            for (int g = 0; g < groups; g++)
            {
                float m = clipMax[o * groups + g];
                int start = g * gs, end = Math.Min(inF, start + gs);
                for (int i = start; i < end; i++) w[o * inF + i] = Math.Clamp(w[o * inF + i], -m, m);
            }
    }

    /// <summary>Applies each named clip to the block's linear of that name.</summary>
    public static void Apply(LayerWeights layer, IReadOnlyDictionary<string, float[]> clips, QuantizationOptions options)
    {
        foreach (var (name, linear) in layer.Linears())
            if (clips.TryGetValue(name, out var clip))
                Apply(linear as DenseLinear ?? throw new UnsupportedModelException($"{name} is already quantized"), clip, options);
    }
}
