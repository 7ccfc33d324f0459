using AwqSharp.Models;

namespace AwqSharp.Quantization.Awq;

/// <summary>
/// AWQ's activation-aware scale search for one group of linears sharing an input X (paper Eq. 4-5,
/// llm-awq <c>_search_module_scale</c>): with <c>s = mean|X|^α</c> per input channel, clamped to
/// 1e-4 and normalised by <c>sqrt(max(s)·min(s))</c>, try α = 0, 1/n, ..., (n-1)/n; for each, replace
/// every linear's weight W by <c>Q(W·diag(s))·diag(s)⁻¹</c> and measure the MSE of the inspected
/// module's output against the full-precision output; keep the best α. With <c>duoScaling</c> the candidates are
/// AutoAWQ's instead (<see cref="DuoScaling"/>); the grid, the loss and the choice are the same.
/// </summary>
public static class AwqScaleSearch
{
    public const int DefaultGridSize = 20;
    /// <summary>The floor every candidate scale is clamped to before normalising (the reference's <c>clamp(min=1e-4)</c>).</summary>
    public const float MinScale = 1e-4f;

    /// <summary>Mean |x| per column of x [rows, columns], accumulated in float64 (AutoAWQ accumulates in float32 chunks).</summary>
    public static float[] MeanAbs(ReadOnlySpan<float> x, int rows, int columns)
    {
        var sum = new double[columns];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * columns, columns);
            for (int i = 0; i < columns; i++) sum[i] += Math.Abs(row[i]);
        }
        var mean = new float[columns];
        for (int i = 0; i < columns; i++) mean[i] = (float)(sum[i] / rows);
        return mean;
    }

    /// <summary>The candidate scales for one α: <c>clamp(stat^α, 1e-4)</c>, normalised by sqrt(max·min).</summary>
    public static float[] ScalesFor(ReadOnlySpan<float> stat, double alpha)
    {
        var s = new float[stat.Length];
        for (int i = 0; i < s.Length; i++) s[i] = Math.Max((float)Math.Pow(stat[i], alpha), MinScale);
        Normalize(s);
        return s;
    }

    /// <summary>Divides the clamped candidates by sqrt(max·min) in place; non-finite results (overflow) become 1, as the reference.</summary>
    internal static void Normalize(Span<float> s)
    {
        float max = float.MinValue, min = float.MaxValue;
        foreach (float v in s) { max = Math.Max(max, v); min = Math.Min(min, v); }
        float norm = MathF.Sqrt(max * min);
        for (int i = 0; i < s.Length; i++)
        {
            s[i] /= norm;
            if (!float.IsFinite(s[i])) s[i] = 1;
        }
    }

    /// <summary>
    /// Runs the grid. <paramref name="linears"/> are the group's dense layers (unchanged on return);
    /// <paramref name="module"/> computes the inspected module's output given trial versions of them
    /// (same order), writing into the span it is given. <paramref name="duoScaling"/> picks AutoAWQ's candidates
    /// (<see cref="DuoScaling.ScalesFor"/>) over the paper's (<see cref="ScalesFor"/>).
    /// </summary>
    public static ScaleSearchResult Search(ScaleGroup group, IReadOnlyList<DenseLinear> linears, ReadOnlySpan<float> input, int rows,
        QuantizationOptions options, Action<IReadOnlyList<ILinear>, float[]> module, int outputLength, int gridSize = DefaultGridSize,
        bool duoScaling = false, CancellationToken cancellationToken = default)
    {
        int columns = linears[0].InFeatures;
        if (linears.Any(l => l.InFeatures != columns)) throw new ArgumentException("linears of a scale group must share their input size");
        var stat = MeanAbs(input, rows, columns);
        var weightMean = duoScaling ? DuoScaling.WeightMean(linears, options) : null;

        var reference = new float[outputLength];
        module(linears, reference);

        var trial = linears.Select(l => new DenseLinear(new float[l.Weight.Length], l.OutFeatures, l.InFeatures, l.Bias)).ToArray();
        var output = new float[outputLength];
        double TrialLoss(float[] s)
        {
            for (int j = 0; j < linears.Count; j++) ScaledFakeQuantize(linears[j], s, trial[j].Weight, options);
            module(trial, output);
            return MeanSquaredError(output, reference);
        }

        double bestLoss = double.PositiveInfinity, rtnLoss = double.NaN, bestAlpha = 0;
        float[]? bestScales = null;
        for (int step = 0; step < gridSize; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double alpha = (double)step / gridSize;
            var s = weightMean is null ? ScalesFor(stat, alpha) : DuoScaling.ScalesFor(stat, weightMean, alpha);
            double loss = TrialLoss(s);
            // The paper's α = 0 is all-ones scales: plain RTN. Duo scaling's α = 0 is not, so RTN gets its own trial below.
            if (step == 0 && weightMean is null) rtnLoss = loss;
            if (loss < bestLoss) { bestLoss = loss; bestAlpha = alpha; bestScales = s; }
        }
        if (weightMean is not null)
        {
            var ones = new float[columns];
            Array.Fill(ones, 1f);
            rtnLoss = TrialLoss(ones);
        }
        if (bestScales is null)
            throw new AwqException($"AWQ scale search for {group}: every candidate gave a non-finite loss (NaN or infinite activations?)");
        return new ScaleSearchResult(group, bestScales, bestAlpha, bestLoss, rtnLoss);
    }

    /// <summary>destination = Q(W·diag(s))·diag(s)⁻¹.</summary>
    public static void ScaledFakeQuantize(DenseLinear linear, ReadOnlySpan<float> s, float[] destination, QuantizationOptions options)
    {
        int outF = linear.OutFeatures, inF = linear.InFeatures;
        var w = linear.Weight;
        for (int o = 0; o < outF; o++)
        {
            var src = w.AsSpan(o * inF, inF);
            var dst = destination.AsSpan(o * inF, inF);
            System.Numerics.Tensors.TensorPrimitives.Multiply(src, s, dst);
        }
        GroupQuantizer.FakeQuantize(destination, outF, inF, options);
        for (int o = 0; o < outF; o++)
        {
            var dst = destination.AsSpan(o * inF, inF);
            System.Numerics.Tensors.TensorPrimitives.Divide(dst, s, dst);
        }
    }

    public static double MeanSquaredError(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; sum += d * d; }
        return sum / a.Length;
    }
}
