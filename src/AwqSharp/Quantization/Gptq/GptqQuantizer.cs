namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// GPTQ (Frantar et al., ICLR 2023) on one linear layer, as IST-DASLab/gptq <c>GPTQ.fasterquant</c>: given the layer
/// Hessian <c>H = 2/n Σ x xᵀ</c> of its calibration inputs, quantize the weight column by column, each time spreading
/// the rounding error over the columns not yet quantized so that the layer's output on those inputs changes least.
/// </summary>
/// <remarks>
/// Steps, in the reference's order: per-channel parameters (group size -1) are fitted on the original weight;
/// dead inputs (<c>H[i, i] = 0</c>) get <c>H[i, i] = 1</c> and a zero weight column; static groups are fitted;
/// act-order permutes columns by decreasing <c>H[i, i]</c> (a stable sort: ties keep their index order);
/// <c>H += percdamp · mean(diag H) · I</c>; the upper Cholesky factor U of <c>H⁻¹</c> (<see cref="InverseHessian"/>,
/// float64); then the sweep (<see cref="GptqSweep"/>, float32 like the reference) with blocks of
/// <see cref="GptqOptions.BlockSize"/> columns and, with dynamic groups, each group re-fitted on the current weights
/// when the sweep reaches its first column.
/// </remarks>
public static class GptqQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="weight"/> (<c>[outFeatures, inFeatures]</c>, row-major) against <paramref name="hessian"/>
    /// (<c>[inFeatures, inFeatures]</c>, e.g. from <see cref="HessianAccumulator.ToHessian"/>).
    /// </summary>
    /// <param name="weight">The float32 weight, <c>[outFeatures, inFeatures]</c> row-major (nn.Linear orientation).</param>
    /// <param name="outFeatures">Output features (rows).</param>
    /// <param name="inFeatures">Input features (columns; groups and the sweep run along them).</param>
    /// <param name="hessian"><c>2/n Σ x xᵀ</c> of the layer's calibration inputs, <c>[inFeatures, inFeatures]</c>.</param>
    /// <param name="options">Bits, group size (-1 per-channel, ragged last groups allowed), zero point (false: symmetric). Float32 precision only.</param>
    /// <param name="gptq">Damping, block size, act-order, static groups; null for the reference defaults.</param>
    /// <param name="name">Names the layer in error messages.</param>
    /// <param name="cancellationToken">Checked between row tiles.</param>
    /// <exception cref="ArgumentException">Bad options or shapes, or a non-finite weight or Hessian entry.</exception>
    /// <exception cref="AwqException">The Hessian cannot be factorized at any damping below 1.</exception>
    public static GptqResult Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, ReadOnlySpan<double> hessian,
        QuantizationOptions options, GptqOptions? gptq = null, string name = "linear", CancellationToken cancellationToken = default) =>
        Quantize(weight, outFeatures, inFeatures, hessian, options, gptq ?? GptqOptions.Default, name, GroupKernels.Best, degree: 0, cancellationToken);

    internal static GptqResult Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, ReadOnlySpan<double> hessian,
        QuantizationOptions options, GptqOptions gptq, string name, SimdPath path, int degree, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gptq);
        options.Validate();
        gptq.Validate();
        if (options.Precision != QuantizationPrecision.Float32)
            throw new ArgumentException($"GPTQ runs in float32 (as the reference); QuantizationOptions.Precision {options.Precision} is not supported", nameof(options));
        if (outFeatures <= 0 || inFeatures <= 0) throw new ArgumentException($"{name}: shape [{outFeatures}, {inFeatures}] must be positive", nameof(outFeatures));
        if (weight.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"{name}: weight has {weight.Length} elements, expected {outFeatures}x{inFeatures}", nameof(weight));
        if (hessian.Length != (long)inFeatures * inFeatures)
            throw new ArgumentException($"{name}: Hessian has {hessian.Length} elements, expected {inFeatures}x{inFeatures}", nameof(hessian));
        for (int i = 0; i < weight.Length; i++)
            if (!float.IsFinite(weight[i]))
                throw new ArgumentException($"{name}: weight[{i / inFeatures}, {i % inFeatures}] is {weight[i]}", nameof(weight));
        for (int i = 0; i < hessian.Length; i++)
            if (!double.IsFinite(hessian[i]))
                throw new ArgumentException($"{name}: Hessian[{i / inFeatures}, {i % inFeatures}] is {hessian[i]} (NaN or infinite calibration activations?)", nameof(hessian));

        int rows = outFeatures, cols = inFeatures, maxq = options.MaxCode;
        bool symmetric = !options.ZeroPoint;
        bool perChannel = options.GroupSize == QuantizationOptions.PerChannel;
        int groupSize = options.EffectiveGroupSize(cols), groups = options.GroupCount(cols);
        var w = weight.ToArray();
        var h = hessian.ToArray();
        var scales = new float[rows * groups];
        var zeros = new float[rows * groups];

        // Per-channel parameters come from the untouched weight (the reference fits them before zeroing dead columns).
        if (perChannel)
            for (int r = 0; r < rows; r++)
                (scales[r], zeros[r]) = GptqGroupParameters.Find(w.AsSpan(r * cols, cols), 0, cols, maxq, symmetric);

        int dead = 0;
        for (int i = 0; i < cols; i++)
        {
            if (h[(long)i * cols + i] != 0) continue;
            dead++;
            h[(long)i * cols + i] = 1;
            for (int r = 0; r < rows; r++) w[r * cols + i] = 0;
        }

        bool staticGroups = gptq.UsesStaticGroups(options);
        if (staticGroups)
            for (int r = 0; r < rows; r++)
                for (int g = 0; g < groups; g++)
                {
                    int start = g * groupSize;
                    (scales[r * groups + g], zeros[r * groups + g]) =
                        GptqGroupParameters.Find(w.AsSpan(r * cols, cols), start, Math.Min(cols, start + groupSize), maxq, symmetric);
                }

        int[] order = Enumerable.Range(0, cols).ToArray();
        int[]? permutation = null;
        if (gptq.ActOrder)
        {
            // Decreasing diagonal; a stable order for ties (torch.argsort is not stable).
            var diag = new double[cols];
            for (int i = 0; i < cols; i++) diag[i] = h[(long)i * cols + i];
            order = order.OrderByDescending(i => diag[i]).ThenBy(i => i).ToArray();
            permutation = order;
            var wp = new float[w.Length];
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < cols; k++) wp[r * cols + k] = w[r * cols + order[k]];
            w = wp;
            var hp = new double[h.Length];
            for (int a = 0; a < cols; a++)
                for (int b = 0; b < cols; b++) hp[(long)a * cols + b] = h[(long)order[a] * cols + order[b]];
            h = hp;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var factor = InverseHessian.Compute(h, cols, gptq, name, Kernels.Parallelism.Resolve(degree));
        var problem = new SweepProblem
        {
            Weight = w, Rows = rows, Cols = cols, Factor = factor, BlockSize = gptq.BlockSize, MaxQ = maxq, Symmetric = symmetric,
            GroupSize = groupSize, Groups = groups, DynamicGroups = !perChannel && !staticGroups,
            GroupOfColumn = order.Select(o => perChannel ? 0 : o / groupSize).ToArray(), OriginalColumn = order,
            Scales = scales, Zeros = zeros, Codes = new byte[rows * cols], RowLoss = new double[rows],
        };
        GptqSweep.Run(problem, path, degree, cancellationToken);

        var zeroCodes = new byte[zeros.Length];
        for (int i = 0; i < zeros.Length; i++) zeroCodes[i] = (byte)Math.Clamp(zeros[i], 0, maxq);
        double loss = 0;
        foreach (double l in problem.RowLoss) loss += l;
        var quantized = new QuantizedWeight(rows, cols, options.Bits, groupSize, problem.Codes, scales, zeroCodes);
        return new GptqResult(quantized, loss / 2, factor.PercDamp, factor.Retries, dead, permutation);
    }
}
