using System.Numerics.Tensors;

namespace AwqSharp.Quantization;

/// <summary>
/// One group in <see cref="QuantizationPrecision.Float16"/>: an exact emulation of AutoAWQ's quantization of
/// <c>.half()</c> weights. Each torch fp16 op is a float32 op followed by one rounding to float16 (exact for
/// +, −, ×, ÷ of float16 operands since float32 has at least 2·11 + 2 significand bits).
/// </summary>
internal static class Float16GroupQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="source"/> into <paramref name="destination"/> (codes, or float16-rounded dequantized
    /// values). <paramref name="half"/> is scratch of the group's length. Returns false when the group holds a
    /// non-finite value.
    /// </summary>
    public static bool Quantize(ReadOnlySpan<float> source, Span<float> destination, Span<Half> half, float clip,
        QuantizationOptions options, bool dequantize, SimdPath path, out GroupParameters parameters)
    {
        // linear.half(): the weights themselves become float16. Out-of-range weights become ±∞ and are rejected.
        RoundToHalf(source, destination, half);
        if (!GroupKernels.MinMax(destination, out float min, out float max, path)) { parameters = default; return false; }
        if (!float.IsPositiveInfinity(clip))
        {
            float c = GroupParameters.H(clip);
            TensorPrimitives.Clamp(destination, -c, c, destination);
            min = Math.Clamp(min, -c, c); max = Math.Clamp(max, -c, c);
            clip = c;
        }
        parameters = GroupParameters.Float16(min, max, clip, options.Bits, options.ZeroPoint);
        float scale = parameters.Scale, zero = parameters.Zero;
        if (!float.IsFinite(scale)) return false;                     // max - min overflows float16

        TensorPrimitives.Divide(destination, scale, destination);     // w / s ...
        RoundToHalf(destination, destination, half);                  // ... in fp16 (may overflow to ±∞: clamped below)
        TensorPrimitives.Round(destination, destination);             // round half to even
        TensorPrimitives.Add(destination, zero, destination);
        TensorPrimitives.Clamp(destination, 0f, parameters.MaxCode, destination);
        if (dequantize)
        {
            TensorPrimitives.Subtract(destination, zero, destination); // exact small integers
            TensorPrimitives.Multiply(destination, scale, destination);
            RoundToHalf(destination, destination, half);
        }
        return true;
    }

    private static void RoundToHalf(ReadOnlySpan<float> source, Span<float> destination, Span<Half> half)
    {
        TensorPrimitives.ConvertToHalf(source, half);
        TensorPrimitives.ConvertToSingle(half, destination);
    }
}
