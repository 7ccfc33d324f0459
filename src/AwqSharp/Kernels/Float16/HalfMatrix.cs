using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Float16;

/// <summary>
/// A weight matrix <c>[rows, cols]</c> kept in a 16-bit float format (binary16 or bfloat16), row-major as
/// HuggingFace stores it, and multiplied without a float32 copy of the whole: decode widens the weights in
/// registers as they stream in (<see cref="HalfGemv{TVec, TLanes, TFormat}"/>), prefill widens one block of rows at
/// a time into a per-thread buffer and runs the float32 GEMM on it. Either way each output is bitwise what
/// <see cref="MatMul.MultiplyTransposed"/> gives on the widened weights.
/// </summary>
public sealed unsafe class HalfMatrix
{
    /// <summary>Weight rows widened per block on the prefill path (with k = 2048: 1 MiB of float32 per thread).</summary>
    internal const int BlockRows = 128;

    private readonly ushort[] _bits;

    /// <summary>Wraps the raw 16-bit values <paramref name="bits"/>, <c>[rows, cols]</c> row-major (kept, not copied).</summary>
    /// <exception cref="ArgumentException">The length is not rows·cols, or a binary16 value is ±∞ or NaN.</exception>
    public HalfMatrix(ushort[] bits, int rows, int cols, HalfFormat format)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (bits.Length != (long)rows * cols)
            throw new ArgumentException($"{bits.Length} values do not make a [{rows}, {cols}] matrix", nameof(bits));
        if (format == HalfFormat.Float16)
        {
            long bad = IndexOfNonFinite(bits);
            if (bad >= 0)
                throw new ArgumentException($"element [{bad / Math.Max(1, cols)}, {bad % Math.Max(1, cols)}] is {(float)BitConverter.UInt16BitsToHalf(bits[bad])}: weights must be finite", nameof(bits));
        }
        _bits = bits; Rows = rows; Cols = cols; Format = format;
    }

    public int Rows { get; }
    public int Cols { get; }
    public HalfFormat Format { get; }
    public long ByteLength => (long)_bits.Length * sizeof(ushort);
    public ReadOnlySpan<ushort> Bits => _bits;

    /// <summary>Element [r, c] as float32 (exact).</summary>
    public float this[int r, int c] => HalfBits.ToSingle(_bits[(long)r * Cols + c], Format);

    /// <summary>The whole matrix widened to float32 (tests and tools; the kernels never need it).</summary>
    public float[] ToSingle()
    {
        var result = new float[_bits.Length];
        for (long i = 0; i < result.Length; i++) result[i] = HalfBits.ToSingle(_bits[i], Format);
        return result;
    }

    /// <summary><c>y[m, Rows] = x[m, Cols] · Wᵀ (+ bias)</c>.</summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, int m, ReadOnlySpan<float> bias = default) =>
        MultiplyCore(x, y, m, bias, KernelIsa.Auto, degree: 0);

    /// <summary>As <see cref="Multiply"/>, on a chosen instruction-set path and thread count (0: the default).</summary>
    internal void MultiplyCore(ReadOnlySpan<float> x, Span<float> y, int m, ReadOnlySpan<float> bias, KernelIsa isa, int degree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (x.Length < (long)m * Cols) throw new ArgumentException($"x has {x.Length} elements, needs {m} x {Cols}", nameof(x));
        if (y.Length < (long)m * Rows) throw new ArgumentException($"y has {y.Length} elements, needs {m} x {Rows}", nameof(y));
        if (!bias.IsEmpty && bias.Length != Rows) throw new ArgumentException($"bias has {bias.Length} elements, needs {Rows}", nameof(bias));
        if (m == 0 || Rows == 0) return;
        isa = KernelIsaSelector.Resolve(isa);
        degree = Parallelism.Resolve(degree);
        fixed (float* px = x, py = y, pb = bias)
        fixed (ushort* pw = _bits)
        {
            float* b = bias.IsEmpty ? null : pb;
            if (m == 1 && Cols > 0) Gemv(pw, px, py, b, isa, degree);
            else Blocked(pw, px, py, b, m, isa, degree);
        }
    }

    private void Gemv(ushort* w, float* x, float* y, float* bias, KernelIsa isa, int degree)
    {
        bool bf16 = Format == HalfFormat.BFloat16;
        switch (isa)
        {
            case KernelIsa.Avx512 when bf16: HalfGemv<Vector512<float>, HalfLanes512, BFloat16Elements>.Run(w, Rows, Cols, x, y, bias, degree); break;
            case KernelIsa.Avx512: HalfGemv<Vector512<float>, HalfLanes512, Float16Elements>.Run(w, Rows, Cols, x, y, bias, degree); break;
            case KernelIsa.Avx2 when bf16: HalfGemv<Vector256<float>, HalfLanes256, BFloat16Elements>.Run(w, Rows, Cols, x, y, bias, degree); break;
            case KernelIsa.Avx2: HalfGemv<Vector256<float>, HalfLanes256, Float16Elements>.Run(w, Rows, Cols, x, y, bias, degree); break;
            case KernelIsa.Portable when bf16: HalfGemv<Vector128<float>, HalfLanes128, BFloat16Elements>.Run(w, Rows, Cols, x, y, bias, degree); break;
            default: HalfGemv<Vector128<float>, HalfLanes128, Float16Elements>.Run(w, Rows, Cols, x, y, bias, degree); break;
        }
    }

    /// <summary>Several activation rows: blocks of <see cref="BlockRows"/> weight rows widened into per-thread float32 buffers, each multiplied by the float32 GEMM on that thread.</summary>
    private void Blocked(ushort* w, float* x, float* y, float* bias, int m, KernelIsa isa, int degree)
    {
        int k = Cols, n = Rows, blocks = (n + BlockRows - 1) / BlockRows;
        if ((long)m * k * n < MatMul.ParallelMinMultiplyAdds) degree = 1;
        Parallelism.For(blocks, degree, () => new Int4.AlignedBuffer((long)Math.Min(BlockRows, n) * k), (block, buffer) =>
        {
            int n0 = block * BlockRows, rows = Math.Min(BlockRows, n - n0);
            Widen(w + (long)n0 * k, buffer.Pointer, (long)rows * k, Format, isa);
            var g = new GemmOperands(x, k, buffer.Pointer, k, y + n0, n, bias == null ? null : bias + n0, m, k, rows);
            MatMul.Multiply(g, isa, degree: 1);
        }, buffer => buffer.Dispose());
    }

    /// <summary>Widens 16-bit values to float32 with the vector code of the path <paramref name="isa"/> (the kernels' own conversion).</summary>
    internal static void Widen(ReadOnlySpan<ushort> source, Span<float> destination, HalfFormat format, KernelIsa isa)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source", nameof(destination));
        fixed (ushort* s = source)
        fixed (float* d = destination)
            Widen(s, d, source.Length, format, KernelIsaSelector.Resolve(isa));
    }

    private static void Widen(ushort* source, float* destination, long count, HalfFormat format, KernelIsa isa)
    {
        bool bf16 = format == HalfFormat.BFloat16;
        switch (isa)
        {
            case KernelIsa.Avx512 when bf16: HalfGemv<Vector512<float>, HalfLanes512, BFloat16Elements>.Widen(source, destination, count); break;
            case KernelIsa.Avx512: HalfGemv<Vector512<float>, HalfLanes512, Float16Elements>.Widen(source, destination, count); break;
            case KernelIsa.Avx2 when bf16: HalfGemv<Vector256<float>, HalfLanes256, BFloat16Elements>.Widen(source, destination, count); break;
            case KernelIsa.Avx2: HalfGemv<Vector256<float>, HalfLanes256, Float16Elements>.Widen(source, destination, count); break;
            case KernelIsa.Portable when bf16: HalfGemv<Vector128<float>, HalfLanes128, BFloat16Elements>.Widen(source, destination, count); break;
            default: HalfGemv<Vector128<float>, HalfLanes128, Float16Elements>.Widen(source, destination, count); break;
        }
    }

    /// <summary>The first binary16 value that is ±∞ or NaN (exponent field all ones), or -1.</summary>
    private static long IndexOfNonFinite(ushort[] bits)
    {
        int positive = bits.AsSpan().IndexOfAnyInRange((ushort)0x7C00, (ushort)0x7FFF);
        int negative = bits.AsSpan(0, positive < 0 ? bits.Length : positive).IndexOfAnyInRange((ushort)0xFC00, (ushort)0xFFFF);
        return negative >= 0 ? negative : positive;
    }
}
