using System.Buffers;

namespace AwqSharp.Quantization;

/// <summary>
/// Group-wise round-to-nearest quantization of a row-major <c>[out, in]</c> linear weight, groups along the input
/// dimension: the quantizer of llm-awq / AutoAWQ (<c>pseudo_quantize_tensor</c>), reproduced exactly.
/// </summary>
/// <remarks>
/// Per group of the (optionally clipped) weights, asymmetric (<see cref="QuantizationOptions.ZeroPoint"/>):
/// <c>s = max(max - min, 1e-5) / (2^b - 1)</c>, <c>z = clamp(-round(min / s), 0, 2^b - 1)</c>,
/// <c>q = clamp(round(w / s) + z, 0, 2^b - 1)</c>; symmetric: <c>s = max(absmax, 1e-5) / (2^(b-1) - 1)</c>,
/// <c>q = clamp(round(w / s), -2^(b-1), 2^(b-1) - 1) + 2^(b-1)</c> (stored with zero <c>2^(b-1)</c>).
/// <c>round</c> is round-half-to-even (torch.round). As in the reference, the range is not forced to contain 0:
/// an all-positive group gets <c>z = 0</c> and its top is clipped by the clamp. Rows are processed in parallel;
/// results do not depend on the thread count or on the instruction set.
/// </remarks>
public static class GroupQuantizer
{
    /// <summary>Below this many weights the work stays on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 16;
    /// <summary>Groups at most this long use stack scratch.</summary>
    private const int StackScratchLimit = 1024;

    /// <summary>
    /// Quantizes <paramref name="weight"/> (<c>[outFeatures, inFeatures]</c>, row-major) into codes, scales and zeros.
    /// </summary>
    /// <param name="weight">The float32 weight, <c>[outFeatures, inFeatures]</c> row-major (nn.Linear orientation).</param>
    /// <param name="outFeatures">Output features (rows).</param>
    /// <param name="inFeatures">Input features (columns; groups run along them).</param>
    /// <param name="options">Bits, group size, zero point, precision.</param>
    /// <param name="clipMax">
    /// Optional <c>[outFeatures, groups]</c> absolute bounds from AWQ's clip search: each group is clamped to
    /// <c>[-clipMax, clipMax]</c> before quantizing. Values must be ≥ 0 (+∞ means no clipping).
    /// </param>
    /// <exception cref="ArgumentException">Bad options, shapes or clip values, or a non-finite weight (the message names the row and group).</exception>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, QuantizationOptions options,
        ReadOnlySpan<float> clipMax = default) =>
        Quantize(weight, outFeatures, inFeatures, options, clipMax, GroupKernels.Best, maxDegreeOfParallelism: -1);

    /// <summary>
    /// In-place fake quantization (quantize, then dequantize to float32) of <paramref name="weight"/>: the inner
    /// operation of the AWQ scale and clip searches, <c>Q(W)</c>. Equals <c>Quantize(...).Dequantize()</c> bit for bit in
    /// <see cref="QuantizationPrecision.Float32"/>; in <see cref="QuantizationPrecision.Float16"/> the dequantized values are
    /// also rounded to float16, as AutoAWQ's fp16 <c>pseudo_quantize_tensor</c> and <c>dequantize_gemm</c> produce them.
    /// </summary>
    /// <exception cref="ArgumentException">Bad options, shapes or clip values, or a non-finite weight.</exception>
    public static void FakeQuantize(Span<float> weight, int outFeatures, int inFeatures, QuantizationOptions options,
        ReadOnlySpan<float> clipMax = default) =>
        FakeQuantize(weight, weight, outFeatures, inFeatures, options, clipMax, GroupKernels.Best, maxDegreeOfParallelism: -1);

    /// <summary>
    /// Fake quantization from <paramref name="source"/> into <paramref name="destination"/> (same shape; the spans must
    /// be the same memory or not overlap at all). See <see cref="FakeQuantize(Span{float}, int, int, QuantizationOptions, ReadOnlySpan{float})"/>.
    /// </summary>
    public static void FakeQuantize(ReadOnlySpan<float> source, Span<float> destination, int outFeatures, int inFeatures,
        QuantizationOptions options, ReadOnlySpan<float> clipMax = default) =>
        FakeQuantize(source, destination, outFeatures, inFeatures, options, clipMax, GroupKernels.Best, maxDegreeOfParallelism: -1);

    /// <summary>
    /// The absolute maximum of every group, <c>[outFeatures, groups]</c>: the unclipped bound from which AWQ's clip
    /// search shrinks (<c>org_max_val</c>), in the layout <c>clipMax</c> takes.
    /// </summary>
    /// <exception cref="ArgumentException">Bad options or shape, or a non-finite weight.</exception>
    public static float[] GroupAbsMax(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, QuantizationOptions options)
    {
        var shape = Shape.Validate(weight.Length, outFeatures, inFeatures, options, default, nameof(weight));
        var result = new float[(long)outFeatures * shape.Groups];
        for (int row = 0; row < outFeatures; row++)
            for (int group = 0; group < shape.Groups; group++)
            {
                int start = group * shape.GroupSize, length = Math.Min(shape.GroupSize, inFeatures - start);
                if (!GroupKernels.MinMax(weight.Slice(row * inFeatures + start, length), out float min, out float max, GroupKernels.Best))
                    throw new ArgumentException($"weight row {row}, group {group} contains a NaN or infinity", nameof(weight));
                result[row * shape.Groups + group] = Math.Max(max, -min);
            }
        return result;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Implementation (internal overloads let tests force the SIMD path and the thread count)

    internal static unsafe QuantizedWeight Quantize(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, QuantizationOptions options,
        ReadOnlySpan<float> clipMax, SimdPath path, int maxDegreeOfParallelism)
    {
        var shape = Shape.Validate(weight.Length, outFeatures, inFeatures, options, clipMax, nameof(weight));
        var codes = new byte[(long)outFeatures * inFeatures];
        var scales = new float[(long)outFeatures * shape.Groups];
        var zeros = new byte[(long)outFeatures * shape.Groups];
        fixed (float* pw = weight)
        fixed (float* pc = clipMax)
        {
            nint w = (nint)pw, c = (nint)pc;
            int clipLength = clipMax.Length;
            RunRows(shape, maxDegreeOfParallelism, (rowStart, rowEnd) =>
            {
                var src = new ReadOnlySpan<float>((void*)w, checked(outFeatures * inFeatures));
                var clip = new ReadOnlySpan<float>((void*)c, clipLength);
                return QuantizeRows(src, codes, scales, zeros, clip, shape, options, path, rowStart, rowEnd);
            });
        }
        return new QuantizedWeight(outFeatures, inFeatures, options.Bits, shape.GroupSize, codes, scales, zeros);
    }

    internal static unsafe void FakeQuantize(ReadOnlySpan<float> source, Span<float> destination, int outFeatures, int inFeatures,
        QuantizationOptions options, ReadOnlySpan<float> clipMax, SimdPath path, int maxDegreeOfParallelism)
    {
        var shape = Shape.Validate(source.Length, outFeatures, inFeatures, options, clipMax, nameof(source));
        if (destination.Length != source.Length)
            throw new ArgumentException($"destination has {destination.Length} elements, expected {outFeatures}x{inFeatures}", nameof(destination));
        if (source.Overlaps(destination, out int offset) && offset != 0)
            throw new ArgumentException("source and destination overlap without being the same memory", nameof(destination));
        fixed (float* ps = source)
        fixed (float* pd = destination)
        fixed (float* pc = clipMax)
        {
            nint s = (nint)ps, d = (nint)pd, c = (nint)pc;
            int length = source.Length, clipLength = clipMax.Length;
            RunRows(shape, maxDegreeOfParallelism, (rowStart, rowEnd) =>
            {
                var src = new ReadOnlySpan<float>((void*)s, length);
                var dst = new Span<float>((void*)d, length);
                var clip = new ReadOnlySpan<float>((void*)c, clipLength);
                return FakeQuantizeRows(src, dst, clip, shape, options, path, rowStart, rowEnd);
            });
        }
    }

    /// <summary>A row range's work: returns the first (row, group) holding a non-finite weight, or null.</summary>
    private delegate (int Row, int Group)? RowRangeWork(int rowStart, int rowEnd);

    private static (int Row, int Group)? QuantizeRows(ReadOnlySpan<float> weight, byte[] codes, float[] scales, byte[] zeros,
        ReadOnlySpan<float> clipMax, Shape shape, QuantizationOptions options, SimdPath path, int rowStart, int rowEnd)
    {
        int g = shape.GroupSize;
        float[]? rented = g > StackScratchLimit ? ArrayPool<float>.Shared.Rent(g) : null;
        Half[]? rentedHalf = g > StackScratchLimit && options.Precision == QuantizationPrecision.Float16 ? ArrayPool<Half>.Shared.Rent(g) : null;
        try
        {
            Span<float> q = rented is null ? stackalloc float[g] : rented.AsSpan(0, g);
            Span<Half> half = rentedHalf is null ? stackalloc Half[options.Precision == QuantizationPrecision.Float16 ? g : 0] : rentedHalf.AsSpan(0, g);
            for (int row = rowStart; row < rowEnd; row++)
            {
                for (int group = 0; group < shape.Groups; group++)
                {
                    int start = group * g, length = Math.Min(g, shape.In - start);
                    long at = (long)row * shape.In + start;
                    var w = weight.Slice((int)at, length);
                    var codesOut = q[..length];
                    if (!QuantizeGroup(w, codesOut, half[..Math.Min(half.Length, length)], Clip(clipMax, row, group, shape), options, dequantize: false, path, out var p))
                        return (row, group);
                    GroupKernels.NarrowToBytes(codesOut, codes.AsSpan((int)at, length));
                    scales[row * shape.Groups + group] = p.Scale;
                    zeros[row * shape.Groups + group] = (byte)p.Zero;
                }
            }
            return null;
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
            if (rentedHalf is not null) ArrayPool<Half>.Shared.Return(rentedHalf);
        }
    }

    private static (int Row, int Group)? FakeQuantizeRows(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<float> clipMax,
        Shape shape, QuantizationOptions options, SimdPath path, int rowStart, int rowEnd)
    {
        int g = shape.GroupSize;
        bool fp16 = options.Precision == QuantizationPrecision.Float16;
        Half[]? rentedHalf = fp16 && g > StackScratchLimit ? ArrayPool<Half>.Shared.Rent(g) : null;
        try
        {
            Span<Half> half = rentedHalf is null ? stackalloc Half[fp16 ? g : 0] : rentedHalf.AsSpan(0, g);
            for (int row = rowStart; row < rowEnd; row++)
            {
                for (int group = 0; group < shape.Groups; group++)
                {
                    int start = group * g, length = Math.Min(g, shape.In - start);
                    int at = row * shape.In + start;
                    if (!QuantizeGroup(source.Slice(at, length), destination.Slice(at, length), half[..Math.Min(half.Length, length)],
                            Clip(clipMax, row, group, shape), options, dequantize: true, path, out _))
                        return (row, group);
                }
            }
            return null;
        }
        finally
        {
            if (rentedHalf is not null) ArrayPool<Half>.Shared.Return(rentedHalf);
        }
    }

    private static float Clip(ReadOnlySpan<float> clipMax, int row, int group, Shape shape) =>
        clipMax.IsEmpty ? float.PositiveInfinity : clipMax[row * shape.Groups + group];

    private static bool QuantizeGroup(ReadOnlySpan<float> source, Span<float> destination, Span<Half> half, float clip,
        QuantizationOptions options, bool dequantize, SimdPath path, out GroupParameters p)
    {
        if (options.Precision == QuantizationPrecision.Float16)
            return Float16GroupQuantizer.Quantize(source, destination, half, clip, options, dequantize, path, out p);
        if (!GroupKernels.MinMax(source, out float min, out float max, path)) { p = default; return false; }
        p = GroupParameters.Float32(min, max, clip, options.Bits, options.ZeroPoint);
        if (!float.IsFinite(p.Scale)) return false;
        GroupKernels.Quantize(source, destination, p, dequantize, path);
        return true;
    }

    /// <summary>Runs <paramref name="work"/> over row blocks (in parallel when large) and throws for the first bad group, whatever the scheduling.</summary>
    private static void RunRows(Shape shape, int maxDegreeOfParallelism, RowRangeWork work)
    {
        long elements = (long)shape.Out * shape.In;
        int threads = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        int blocks = elements < ParallelThreshold || threads == 1 ? 1 : Math.Min(shape.Out, threads * 4);
        int rowsPerBlock = (shape.Out + blocks - 1) / blocks;
        blocks = (shape.Out + rowsPerBlock - 1) / rowsPerBlock;
        var firstBad = new (int Row, int Group)?[blocks];
        if (blocks == 1)
            firstBad[0] = work(0, shape.Out);
        else
            Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                b => firstBad[b] = work(b * rowsPerBlock, Math.Min(shape.Out, (b + 1) * rowsPerBlock)));
        foreach (var bad in firstBad)
            if (bad is { } at)
                throw new ArgumentException($"weight row {at.Row}, group {at.Group} contains a NaN or infinity (or its float16 range overflows)", "weight");
    }

    /// <summary>Validated dimensions of one call.</summary>
    private readonly record struct Shape(int Out, int In, int GroupSize, int Groups)
    {
        public static Shape Validate(int weightLength, int outFeatures, int inFeatures, QuantizationOptions options, ReadOnlySpan<float> clipMax, string weightName)
        {
            ArgumentNullException.ThrowIfNull(options);
            options.Validate();
            if (outFeatures <= 0 || inFeatures <= 0)
                throw new ArgumentException($"shape [{outFeatures}, {inFeatures}] must be positive", nameof(outFeatures));
            if ((long)outFeatures * inFeatures > int.MaxValue)
                throw new ArgumentException($"shape [{outFeatures}, {inFeatures}] has more than {int.MaxValue} elements", nameof(outFeatures));
            if (weightLength != outFeatures * inFeatures)
                throw new ArgumentException($"{weightName} has {weightLength} elements, expected {outFeatures}x{inFeatures}", weightName);
            int g = options.EffectiveGroupSize(inFeatures);
            int groups = options.GroupCount(inFeatures);
            if (!clipMax.IsEmpty)
            {
                if (clipMax.Length != outFeatures * groups)
                    throw new ArgumentException($"clipMax has {clipMax.Length} elements, expected [{outFeatures}, {groups}] (one per output row and group)", nameof(clipMax));
                for (int i = 0; i < clipMax.Length; i++)
                    if (!(clipMax[i] >= 0))
                        throw new ArgumentException($"clipMax[{i / groups}, {i % groups}] = {clipMax[i]} must be >= 0", nameof(clipMax));
            }
            return new Shape(outFeatures, inFeatures, g, groups);
        }
    }
}
