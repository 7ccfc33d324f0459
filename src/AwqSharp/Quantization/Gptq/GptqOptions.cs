namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// GPTQ's own settings (IST-DASLab/gptq <c>fasterquant</c> arguments); bits, group size and symmetry come from
/// <see cref="QuantizationOptions"/>.
/// </summary>
/// <param name="PercDamp">
/// Damping as a fraction of the mean Hessian diagonal added to the diagonal before inverting (<c>percdamp</c>, 0.01),
/// in [0, 1).
/// </param>
/// <param name="BlockSize">Columns per lazy batch update (<c>blocksize</c>, 128), ≥ 1.</param>
/// <param name="ActOrder">
/// Quantize columns in order of decreasing Hessian diagonal (<c>--act-order</c> / <c>desc_act</c>). Combined with
/// groups it implies <see cref="StaticGroups"/>: our checkpoint formats have no <c>g_idx</c>, so the groups must stay
/// contiguous along the input.
/// </param>
/// <param name="StaticGroups">
/// Fit every group's scale and zero once, on the (dead-column-zeroed) weights before any update (<c>static_groups</c>),
/// instead of re-fitting each group on the updated weights when the sweep reaches its first column.
/// </param>
/// <param name="DampAutoIncrement">
/// When the Cholesky factorization fails, add this to the damping fraction and retry while it stays below 1
/// (GPTQModel's <c>damp_auto_increment</c>; IST-DASLab/gptq and AutoGPTQ simply raise). 0 disables the retry.
/// </param>
public sealed record GptqOptions(double PercDamp = 0.01, int BlockSize = 128, bool ActOrder = false, bool StaticGroups = false,
    double DampAutoIncrement = GptqOptions.DefaultDampAutoIncrement)
{
    /// <summary>GPTQModel's default retry step.</summary>
    public const double DefaultDampAutoIncrement = 0.0025;

    /// <summary>The reference defaults: damp 0.01, blocks of 128, natural column order, dynamic groups.</summary>
    public static GptqOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the offending option when the options are unusable.</summary>
    public GptqOptions Validate()
    {
        if (!(PercDamp >= 0 && PercDamp < 1))
            throw new ArgumentException($"GptqOptions.PercDamp (--damp) must be in [0, 1), got {PercDamp}", nameof(PercDamp));
        if (BlockSize < 1)
            throw new ArgumentException($"GptqOptions.BlockSize (--block-size) must be >= 1, got {BlockSize}", nameof(BlockSize));
        if (!(DampAutoIncrement >= 0 && DampAutoIncrement < 1))
            throw new ArgumentException($"GptqOptions.DampAutoIncrement must be in [0, 1), got {DampAutoIncrement}", nameof(DampAutoIncrement));
        return this;
    }

    /// <summary>Whether groups are fitted up front for a weight quantized with <paramref name="options"/>.</summary>
    public bool UsesStaticGroups(QuantizationOptions options) =>
        options.GroupSize != QuantizationOptions.PerChannel && (StaticGroups || ActOrder);
}
