namespace AwqSharp.Kernels.Float16;

/// <summary>
/// A weight matrix <c>[rows, cols]</c> kept in a 16-bit float format (binary16 or bfloat16), repacked once into tiles
/// of 4 rows that the kernel reads as one stream (<see cref="HalfTileLayout"/>), and multiplied without a float32
/// copy of the whole: decode widens the weights in registers as they stream in
/// (<see cref="HalfGemv{TVec, TLanes, TFormat}"/>), prefill widens one block of rows at a time into a per-thread
/// buffer and runs the float32 GEMM on it. Either way each output is bitwise what
/// <see cref="MatMul.MultiplyTransposed"/> gives on the widened weights.
/// </summary>
public sealed unsafe class HalfMatrix
{
    /// <summary>Weight rows widened per block on the prefill path (with k = 2048: 1 MiB of float32 per thread); a whole number of tiles.</summary>
    internal const int BlockRows = 128;

    /// <summary>The values in <see cref="HalfTileLayout"/> order.</summary>
    private readonly ushort[] _packed;

    /// <summary>
    /// Copies the raw 16-bit values <paramref name="bits"/> (<c>[rows, cols]</c> row-major, as a checkpoint stores them)
    /// into the kernels' tiled layout.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not rows·cols, or a binary16 value is ±∞ or NaN.</exception>
    public HalfMatrix(ReadOnlySpan<ushort> bits, int rows, int cols, HalfFormat format)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (bits.Length != (long)rows * cols)
            throw new ArgumentException($"{bits.Length} values do not make a [{rows}, {cols}] matrix", nameof(bits));
        if (format == HalfFormat.Float16)
        {
            long bad = IndexOfNonFinite(bits);
            if (bad >= 0)
                throw new ArgumentException($"element [{bad / Math.Max(1, cols)}, {bad % Math.Max(1, cols)}] is {(float)BitConverter.UInt16BitsToHalf(bits[(int)bad])}: weights must be finite", nameof(bits));
        }
        _packed = HalfTileLayout.Pack(bits, rows, cols);
        Rows = rows; Cols = cols; Format = format;
    }

    public int Rows { get; }
    public int Cols { get; }
    public HalfFormat Format { get; }
    /// <summary>Bytes the weights take in memory (the last tile's zero padding rows included).</summary>
    public long ByteLength => (long)_packed.Length * sizeof(ushort);

    /// <summary>Element [r, c] as float32 (exact).</summary>
    public float this[int r, int c]
    {
        get
        {
            if ((uint)r >= (uint)Rows || (uint)c >= (uint)Cols) throw new ArgumentOutOfRangeException(r < 0 || r >= Rows ? nameof(r) : nameof(c));
            return HalfBits.ToSingle(_packed[HalfTileLayout.Offset(r, c, Cols)], Format);
        }
    }

    /// <summary>The raw values, row-major <c>[Rows, Cols]</c> (what the constructor was given).</summary>
    public ushort[] ToBits()
    {
        var bits = new ushort[(long)Rows * Cols];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Cols; c++)
                bits[(long)r * Cols + c] = _packed[HalfTileLayout.Offset(r, c, Cols)];
        return bits;
    }

    /// <summary>The whole matrix widened to float32, row-major (saving, quantizing; inference never needs it).</summary>
    public float[] ToSingle()
    {
        var result = new float[(long)Rows * Cols];
        int tiles = HalfTileLayout.TileCount(Rows);
        var buffer = new float[HalfTileLayout.TileRows * Cols];
        var kernels = HalfKernels.For(KernelIsaSelector.Resolve(KernelIsa.Auto), Format);
        fixed (ushort* w = _packed)
        fixed (float* b = buffer)
            for (int t = 0; t < tiles; t++)
            {
                kernels.WidenTiles(w, Cols, t, 1, b);
                int r0 = t * HalfTileLayout.TileRows, rows = Math.Min(HalfTileLayout.TileRows, Rows - r0);
                buffer.AsSpan(0, rows * Cols).CopyTo(result.AsSpan(r0 * Cols, rows * Cols));
            }
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
        fixed (ushort* pw = _packed)
        {
            float* b = bias.IsEmpty ? null : pb;
            var kernels = HalfKernels.For(isa, Format);
            if (m == 1 && Cols > 0) kernels.Gemv(pw, Rows, Cols, px, py, b, degree);
            else Blocked(kernels, pw, px, py, b, m, isa, degree);
        }
    }

    /// <summary>Several activation rows: blocks of <see cref="BlockRows"/> weight rows widened into per-thread float32 buffers, each multiplied by the float32 GEMM on that thread.</summary>
    private void Blocked(IHalfKernels kernels, ushort* w, float* x, float* y, float* bias, int m, KernelIsa isa, int degree)
    {
        int k = Cols, n = Rows, blocks = (n + BlockRows - 1) / BlockRows;
        if ((long)m * k * n < MatMul.ParallelMinMultiplyAdds) degree = 1;
        int bufferRows = Math.Min(BlockRows, HalfTileLayout.TileCount(n) * HalfTileLayout.TileRows);
        Parallelism.For(blocks, degree, () => new Int4.AlignedBuffer((long)bufferRows * k), (block, buffer) =>
        {
            int n0 = block * BlockRows, rows = Math.Min(BlockRows, n - n0);
            kernels.WidenTiles(w, k, n0 / HalfTileLayout.TileRows, HalfTileLayout.TileCount(rows), buffer.Pointer);
            var g = new GemmOperands(x, k, buffer.Pointer, k, y + n0, n, bias == null ? null : bias + n0, m, k, rows);
            MatMul.Multiply(g, isa, degree: 1);
        }, buffer => buffer.Dispose());
    }

    /// <summary>Widens contiguous 16-bit values to float32 with the vector code of the path <paramref name="isa"/> (the kernels' own conversion).</summary>
    internal static void Widen(ReadOnlySpan<ushort> source, Span<float> destination, HalfFormat format, KernelIsa isa)
    {
        if (destination.Length < source.Length) throw new ArgumentException("destination is shorter than source", nameof(destination));
        fixed (ushort* s = source)
        fixed (float* d = destination)
            HalfKernels.For(KernelIsaSelector.Resolve(isa), format).Widen(s, d, source.Length);
    }

    /// <summary>The first binary16 value that is ±∞ or NaN (exponent field all ones), or -1.</summary>
    private static long IndexOfNonFinite(ReadOnlySpan<ushort> bits)
    {
        int positive = bits.IndexOfAnyInRange((ushort)0x7C00, (ushort)0x7FFF);
        int negative = bits[..(positive < 0 ? bits.Length : positive)].IndexOfAnyInRange((ushort)0xFC00, (ushort)0xFFFF);
        return negative >= 0 ? negative : positive;
    }
}
