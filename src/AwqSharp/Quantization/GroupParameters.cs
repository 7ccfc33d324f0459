namespace AwqSharp.Quantization;

/// <summary>
/// The per-group constants of the quantization map <c>q = clamp(round(clamp(w, Lo, Hi) / Scale) + Zero, 0, MaxCode)</c>,
/// <c>ŵ = (q - Zero) · Scale</c>. Symmetric quantization is the same map with <c>Zero = 2^(bits-1)</c>.
/// </summary>
internal readonly struct GroupParameters
{
    /// <summary>torch's <c>clamp(min=1e-5)</c> on the range (asymmetric) or on absmax (symmetric).</summary>
    internal const float MinRange = 1e-5f;

    public GroupParameters(float scale, float zero, float lo, float hi, float maxCode)
    {
        Scale = scale; Zero = zero; Lo = lo; Hi = hi; MaxCode = maxCode;
    }

    public float Scale { get; }
    /// <summary>Integer-valued, in [0, MaxCode], never -0.</summary>
    public float Zero { get; }
    /// <summary>Clip bounds applied to each weight before quantizing (±∞ when not clipping).</summary>
    public float Lo { get; }
    public float Hi { get; }
    public float MaxCode { get; }

    /// <summary>
    /// Float32 arithmetic, as llm-awq / AutoAWQ <c>pseudo_quantize_tensor</c> on float32 weights:
    /// asymmetric <c>s = max(max - min, 1e-5) / (2^b - 1)</c>, <c>z = clamp(-round(min / s), 0, 2^b - 1)</c>;
    /// symmetric <c>s = max(absmax, 1e-5) / (2^(b-1) - 1)</c>, <c>z = 2^(b-1)</c>. <paramref name="min"/>/<paramref name="max"/>
    /// are the group's extremes before clipping to ±<paramref name="clip"/> (clipping is monotone, so clamping them equals
    /// taking the extremes of the clipped group).
    /// </summary>
    public static GroupParameters Float32(float min, float max, float clip, int bits, bool zeroPoint)
    {
        min = Math.Clamp(min, -clip, clip);
        max = Math.Clamp(max, -clip, clip);
        int maxCode = (1 << bits) - 1;
        if (zeroPoint)
        {
            float scale = Math.Max(max - min, MinRange) / maxCode;
            float zero = Math.Clamp(-MathF.Round(min / scale), 0f, maxCode) + 0f; // + 0f turns -0 into +0
            return new GroupParameters(scale, zero, -clip, clip, maxCode);
        }
        else
        {
            float absMax = Math.Max(Math.Max(Math.Abs(min), Math.Abs(max)), MinRange);
            float scale = absMax / ((1 << (bits - 1)) - 1);
            return new GroupParameters(scale, 1 << (bits - 1), -clip, clip, maxCode);
        }
    }

    /// <summary>
    /// The same formulas in float16 arithmetic (every result rounded to float16, as torch's fp16 ops do; float32
    /// evaluation then one rounding is exact here because 24 ≥ 2·11 + 2 bits). <paramref name="min"/>/<paramref name="max"/>
    /// must already be float16 values of the clipped group, <paramref name="clip"/> the float16 clip bound.
    /// </summary>
    public static GroupParameters Float16(float min, float max, float clip, int bits, bool zeroPoint)
    {
        int maxCode = (1 << bits) - 1;
        if (zeroPoint)
        {
            float range = Math.Max(H(max - min), MinRange);
            float scale = H(H(range) / maxCode);
            float zero = Math.Clamp(-MathF.Round(H(min / scale)), 0f, maxCode) + 0f;
            return new GroupParameters(scale, zero, -clip, clip, maxCode);
        }
        else
        {
            float absMax = H(Math.Max(Math.Max(Math.Abs(min), Math.Abs(max)), MinRange));
            float scale = H(absMax / ((1 << (bits - 1)) - 1));
            return new GroupParameters(scale, 1 << (bits - 1), -clip, clip, maxCode);
        }
    }

    /// <summary>Rounds to the nearest float16 (ties to even), back in float32.</summary>
    internal static float H(float x) => (float)(Half)x;
}
