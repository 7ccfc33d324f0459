namespace AwqSharp.Quantization;

/// <summary>
/// How a linear weight is quantized: bit width, group size along the input dimension, asymmetric (zero point)
/// or symmetric, and the arithmetic precision.
/// </summary>
/// <param name="Bits">Bits per code, 2..8 (AWQ uses 4; the paper's INT3 is 3).</param>
/// <param name="GroupSize">
/// Inputs per group, ≥ 1, or <see cref="PerChannel"/> (-1, as AutoAWQ's <c>q_group_size = -1</c>) for one group per
/// output row. A group size of at least <c>InFeatures</c> is also per-channel. When <c>InFeatures % GroupSize != 0</c>
/// the last group of each row is shorter (an AwqSharp extension: AutoAWQ asserts divisibility, and its GEMM
/// export refuses such weights).
/// </param>
/// <param name="ZeroPoint">
/// true (default, AWQ): asymmetric min/max with an integer zero point per group. false: symmetric absmax with the
/// implicit zero point <c>2^(Bits-1)</c>, as AutoAWQ's symmetric branch.
/// </param>
/// <param name="Precision">Float32 (default) or an exact emulation of AutoAWQ's float16 arithmetic.</param>
public sealed record QuantizationOptions(int Bits = 4, int GroupSize = 128, bool ZeroPoint = true,
    QuantizationPrecision Precision = QuantizationPrecision.Float32)
{
    /// <summary>The <see cref="GroupSize"/> value meaning one group per output row.</summary>
    public const int PerChannel = -1;

    /// <summary>AWQ's defaults: 4 bits, group 128, zero point, float32 arithmetic.</summary>
    public static QuantizationOptions Default { get; } = new();

    /// <summary>Largest stored code, <c>2^Bits - 1</c>.</summary>
    public int MaxCode => (1 << Bits) - 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending option when the options are unusable.</summary>
    public QuantizationOptions Validate()
    {
        if (Bits is < 2 or > 8)
            throw new ArgumentException($"QuantizationOptions.Bits must be in 2..8, got {Bits}", nameof(Bits));
        if (GroupSize == 0 || GroupSize < PerChannel)
            throw new ArgumentException($"QuantizationOptions.GroupSize must be >= 1 or {PerChannel} (per-channel), got {GroupSize}", nameof(GroupSize));
        if (!Enum.IsDefined(Precision))
            throw new ArgumentException($"QuantizationOptions.Precision has the undefined value {(int)Precision}", nameof(Precision));
        return this;
    }

    /// <summary>The group size actually used for a weight with <paramref name="inFeatures"/> inputs: <c>min(GroupSize, inFeatures)</c>, or <c>inFeatures</c> when per-channel.</summary>
    public int EffectiveGroupSize(int inFeatures)
    {
        if (inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"inFeatures must be positive, got {inFeatures}");
        return GroupSize == PerChannel ? inFeatures : Math.Min(GroupSize, inFeatures);
    }

    /// <summary>Groups per output row for <paramref name="inFeatures"/> inputs (the last one may be ragged): the column count of scales, zeros and clip bounds.</summary>
    public int GroupCount(int inFeatures)
    {
        int g = EffectiveGroupSize(inFeatures);
        return (inFeatures + g - 1) / g;
    }
}
