using AwqSharp.Kernels;

namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// GPTQ's layer Hessian <c>H = 2/n · Σ x xᵀ</c> over the n calibration tokens a linear sees (IST-DASLab/gptq
/// <c>add_batch</c>), accumulated in float64 whatever the batching: the sums are exact products of floats added in
/// float64, then scaled once by <c>2/n</c> (the reference rescales a float32 running mean batch by batch, which is
/// the same quantity).
/// </summary>
/// <remarks>
/// The work is the upper triangle of <c>XᵀX</c> in 4 × 2-vector register tiles, in float64, multi-threaded over row
/// tiles. Every element is one fused multiply-add chain over the tokens in order (per sub-batch of
/// <see cref="HessianKernel.TokensPerPass"/> tokens), so the result does not depend on the thread count or the
/// instruction set, only on the rows passed to each <see cref="Add(ReadOnlySpan{float}, int)"/>.
/// </remarks>
public sealed class HessianAccumulator
{
    private readonly double[] _sums;
    private readonly SimdPath _path;
    private readonly int _degree;

    /// <summary>An empty accumulator for inputs of <paramref name="columns"/> features.</summary>
    public HessianAccumulator(int columns) : this(columns, GroupKernels.Best, degree: 0) { }

    internal HessianAccumulator(int columns, SimdPath path, int degree)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        Columns = columns;
        Stride = HessianKernel.PaddedColumns(columns);
        _sums = new double[(long)Stride * Stride];
        _path = path;
        _degree = degree;
    }

    /// <summary>Input features (the Hessian is <c>Columns × Columns</c>).</summary>
    public int Columns { get; }

    /// <summary>Tokens accumulated so far (the reference's <c>nsamples</c> for a linear layer).</summary>
    public long Tokens { get; private set; }

    /// <summary>Row stride of the internal sums (columns rounded up to the kernel's panel width).</summary>
    internal int Stride { get; }

    /// <summary>Adds the tokens <paramref name="x"/> (<c>[rows, Columns]</c>, row-major: a linear's input batch).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> is shorter than <c>rows · Columns</c>.</exception>
    public void Add(ReadOnlySpan<float> x, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (x.Length < (long)rows * Columns)
            throw new ArgumentException($"x has {x.Length} elements, needs rows*columns = {(long)rows * Columns}", nameof(x));
        if (rows == 0) return;
        HessianKernel.AddUpper(x, rows, Columns, _sums, Stride, _path, Parallelism.Resolve(_degree));
        Tokens += rows;
    }

    /// <summary>
    /// The Hessian <c>2/n · Σ x xᵀ</c>, <c>[Columns, Columns]</c> row-major and symmetric.
    /// </summary>
    /// <exception cref="InvalidOperationException">No tokens were added.</exception>
    public double[] ToHessian()
    {
        if (Tokens == 0) throw new InvalidOperationException("no calibration tokens were added to the Hessian");
        int d = Columns;
        double scale = 2.0 / Tokens;
        var h = new double[(long)d * d];
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++)
            {
                double v = _sums[(long)i * Stride + j] * scale;
                h[(long)i * d + j] = v;
                h[(long)j * d + i] = v;
            }
        return h;
    }
}
