using AwqSharp.Models;

namespace AwqSharp.Quantization.Awq;

/// <summary>
/// AutoAWQ's <c>duo_scaling</c> candidate scales (its default since AutoAWQ PR #216; <c>AwqQuantizer._search_best_scale</c>),
/// an option next to the paper's <c>s = mean|x|^α</c>: the scale also leans on how small each input channel's weights
/// are relative to their quantization group,
/// <c>s = clamp(mean|x|^α / (w_mean^(1-α) + 1e-4), 1e-4)</c>, normalised by <c>sqrt(max(s)·min(s))</c>, where
/// <c>w_mean</c> is the per-input-channel mean over the output rows of every linear of the scale group (their
/// weights concatenated along the output dimension) of <c>|W| / (group absmax of |W| + 1e-6)</c>.
/// </summary>
/// <remarks>
/// AutoAWQ evaluates this in the model dtype (float16); AwqSharp's search runs in float32, so here too: the
/// normalised magnitudes are float32 and the mean over rows is summed in float64. At α = 0 duo scaling is not
/// round-to-nearest (<c>s = 1/(w_mean + 1e-4)</c>), unlike the paper's formula.
/// </remarks>
public static class DuoScaling
{
    /// <summary>Added to the group absmax before dividing (AutoAWQ's 1e-6), so all-zero groups give 0, not NaN.</summary>
    public const float GroupMaxEpsilon = 1e-6f;
    /// <summary>Added to <c>w_mean^(1-α)</c> (AutoAWQ's 1e-4), so all-zero weight columns give a finite scale.</summary>
    public const float WeightMeanEpsilon = 1e-4f;

    /// <summary>
    /// <c>w_mean</c>: per input channel, the mean over all output rows of <paramref name="linears"/> (concatenated, as
    /// AutoAWQ's <c>torch.cat(weights, dim=0)</c>) of <c>|w| / (absmax of w's quantization group + 1e-6)</c>. Groups
    /// run along the input dimension as in the quantizer (<see cref="QuantizationOptions.EffectiveGroupSize"/>; a ragged
    /// last group is normalised by its own absmax; per-channel means one group per row).
    /// </summary>
    /// <exception cref="ArgumentException">The linears have different input sizes, or a weight is not finite.</exception>
    public static float[] WeightMean(IReadOnlyList<DenseLinear> linears, QuantizationOptions options)
    {
        if (linears.Count == 0) throw new ArgumentException("a scale group needs at least one linear", nameof(linears));
        int columns = linears[0].InFeatures;
        if (linears.Any(l => l.InFeatures != columns)) throw new ArgumentException("linears of a scale group must share their input size", nameof(linears));
        int groupSize = options.EffectiveGroupSize(columns), groups = options.GroupCount(columns);

        var sum = new double[columns];
        long rows = 0;
        foreach (var linear in linears)
        {
            var absMax = GroupQuantizer.GroupAbsMax(linear.Weight, linear.OutFeatures, columns, options);
            for (int r = 0; r < linear.OutFeatures; r++)
            {
                for (int g = 0; g < groups; g++)
                {
                    int start = g * groupSize, length = Math.Min(groupSize, columns - start);
                    var group = linear.Weight.AsSpan(r * columns + start, length);
                    float denominator = absMax[r * groups + g] + GroupMaxEpsilon;
                    // float32 quotient (torch's elementwise division), float64 running sum over rows.
                    for (int i = 0; i < length; i++) sum[start + i] += Math.Abs(group[i]) / denominator;
                }
            }
            rows += linear.OutFeatures;
        }
        var mean = new float[columns];
        for (int i = 0; i < columns; i++) mean[i] = (float)(sum[i] / rows);
        return mean;
    }

    /// <summary>
    /// The candidate scales for one α: <c>clamp(xMean^α / (wMean^(1-α) + 1e-4), 1e-4)</c>, normalised by
    /// sqrt(max·min), non-finite results set to 1 (as <see cref="AwqScaleSearch.ScalesFor"/>).
    /// </summary>
    public static float[] ScalesFor(ReadOnlySpan<float> xMean, ReadOnlySpan<float> wMean, double alpha)
    {
        if (xMean.Length != wMean.Length)
            throw new ArgumentException($"xMean has {xMean.Length} channels but wMean has {wMean.Length}", nameof(wMean));
        var s = new float[xMean.Length];
        for (int i = 0; i < s.Length; i++)
        {
            float numerator = (float)Math.Pow(xMean[i], alpha);
            float denominator = (float)Math.Pow(wMean[i], 1 - alpha) + WeightMeanEpsilon;
            s[i] = Math.Max(numerator / denominator, AwqScaleSearch.MinScale);
        }
        AwqScaleSearch.Normalize(s);
        return s;
    }
}
