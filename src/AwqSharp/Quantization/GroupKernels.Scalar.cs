namespace AwqSharp.Quantization;

internal static partial class GroupKernels
{
    private static bool MinMaxScalar(ReadOnlySpan<float> x, out float min, out float max)
    {
        min = float.PositiveInfinity; max = float.NegativeInfinity;
        bool finite = true;
        foreach (float v in x)
        {
            finite &= float.IsFinite(v);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return finite;
    }

    /// <summary>The reference map, from element <paramref name="start"/> on (the vector paths finish their tails with it).</summary>
    private static void QuantizeScalar(ReadOnlySpan<float> source, Span<float> destination, in GroupParameters p, bool dequantize, int start)
    {
        float scale = p.Scale, zero = p.Zero, lo = p.Lo, hi = p.Hi, maxCode = p.MaxCode;
        for (int i = start; i < source.Length; i++)
        {
            float w = Math.Min(Math.Max(source[i], lo), hi);
            float q = Math.Min(Math.Max(MathF.Round(w / scale) + zero, 0f), maxCode);
            destination[i] = dequantize ? (q - zero) * scale : q;
        }
    }
}
