namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// GPTQ's quantizer (IST-DASLab/gptq <c>quant.py</c>, <c>Quantizer.find_params</c> with <c>perchannel=True</c> and
/// <c>quantize</c>), in float32 as the reference runs it. Unlike AWQ's quantizer the range always contains 0
/// (<c>xmin = min(min, 0)</c>, <c>xmax = max(max, 0)</c>), the zero point is not clamped, there is no 1e-5 floor
/// (an all-zero group gets the range [-1, 1] instead), and the symmetric grid is <c>2·absmax / (2^b - 1)</c> wide
/// per step with zero <c>2^(b-1)</c>.
/// </summary>
internal static class GptqGroupParameters
{
    /// <summary><c>find_params</c> for one row of a group whose extremes are <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static (float Scale, float Zero) Find(float min, float max, int maxq, bool symmetric)
    {
        float xmin = Math.Min(min, 0f), xmax = Math.Max(max, 0f);
        if (symmetric)
        {
            xmax = Math.Max(Math.Abs(xmin), xmax);
            // As the reference: only a negative minimum is mirrored, so an all-non-negative group keeps xmin = 0.
            if (xmin < 0) xmin = -xmax;
        }
        if (xmin == 0 && xmax == 0) { xmin = -1; xmax = 1; }
        float scale = (xmax - xmin) / maxq;
        float zero = symmetric ? (maxq + 1) / 2 : MathF.Round(-xmin / scale);
        return (scale, zero);
    }

    /// <summary><c>find_params</c> over columns [<paramref name="start"/>, <paramref name="end"/>) of one row.</summary>
    public static (float Scale, float Zero) Find(ReadOnlySpan<float> row, int start, int end, int maxq, bool symmetric)
    {
        var group = row[start..end];
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in group) { min = Math.Min(min, v); max = Math.Max(max, v); }
        return Find(min, max, maxq, symmetric);
    }

    /// <summary>The quantizer's code for <paramref name="w"/>: <c>clamp(round(w / scale) + zero, 0, maxq)</c>.</summary>
    public static float Code(float w, float scale, float zero, int maxq) => Math.Clamp(MathF.Round(w / scale) + zero, 0f, maxq);
}
