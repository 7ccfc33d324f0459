namespace AwqSharp.Kernels;

/// <summary>
/// Dense float32 matrix products. The model stores linear weights as HuggingFace does, row-major
/// <c>[out, in]</c>, so the workhorse is <c>Y[m, n] = X[m, k] · W[n, k]ᵀ</c> (every output is a dot
/// product of an activation row and a weight row: both contiguous).
/// </summary>
/// <remarks>
/// Two paths, chosen by <c>m</c>: for few rows (decode) a streaming dot-product kernel that reads the weights once
/// (<see cref="DotGemm{TVec, TSimd}"/>); for many rows (prefill) a packed, cache-blocked, register-tiled GEMM
/// (<see cref="PackedGemm{TVec, TSimd}"/>). Each runs on AVX-512, AVX2+FMA or portable 128-bit vectors
/// (<see cref="KernelIsa"/>), on up to <see cref="Parallelism.MaxDegreeOfParallelism"/> threads, and gives the same
/// bits whatever the thread count.
/// </remarks>
/// <summary>Which GEMM algorithm runs (tests and benchmarks force one; the model lets <see cref="Auto"/> choose by m).</summary>
internal enum GemmPath
{
    Auto = 0,
    /// <summary>Streaming dot products (<see cref="DotGemm{TVec, TSimd}"/>).</summary>
    Dot,
    /// <summary>Packed, blocked GEMM (<see cref="PackedGemm{TVec, TSimd}"/>).</summary>
    Packed,
}

public static class MatMul
{
    /// <summary>
    /// From this many activation rows on, the packed GEMM beats streaming dot products: packing the weights costs a
    /// pass over them that only enough rows amortize. Measured at k = 2048, n = 5632: on AVX-512 (4 × 4 dot tiles)
    /// dot products lead up to m = 64 and packing from m = 96; on AVX2 (2 × 4 dot tiles) packing leads from m = 64.
    /// </summary>
    internal static int PackedMinRows(KernelIsa isa) => isa == KernelIsa.Avx512 ? 80 : 48;

    /// <summary>Products smaller than this many multiply-adds run on the calling thread alone.</summary>
    internal const long ParallelMinMultiplyAdds = 1L << 18;

    /// <summary>
    /// <c>y[m, n] = x[m, k] · w[n, k]ᵀ</c> (+ <paramref name="bias"/>[n] when given). Row-major, no aliasing.
    /// Multi-threaded over the output; deterministic whatever the thread count (every output element is
    /// reduced in the same order).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its shape needs, or the bias length is not <paramref name="n"/>.</exception>
    public static void MultiplyTransposed(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int k, int n, ReadOnlySpan<float> bias = default)
        => MultiplyTransposedCore(x, w, y, m, k, n, bias, KernelIsa.Auto, degree: 0);

    /// <summary>As the public overload, on a chosen instruction-set path and thread count (0: <see cref="Parallelism.MaxDegreeOfParallelism"/>).</summary>
    internal static unsafe void MultiplyTransposedCore(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int k, int n,
        ReadOnlySpan<float> bias, KernelIsa isa, int degree, GemmPath path = GemmPath.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (x.Length < (long)m * k) throw new ArgumentException($"x has {x.Length} elements, needs m*k = {(long)m * k}", nameof(x));
        if (w.Length < (long)n * k) throw new ArgumentException($"w has {w.Length} elements, needs n*k = {(long)n * k}", nameof(w));
        if (y.Length < (long)m * n) throw new ArgumentException($"y has {y.Length} elements, needs m*n = {(long)m * n}", nameof(y));
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"bias has {bias.Length} elements, needs n = {n}", nameof(bias));
        if (m == 0 || n == 0) return;
        fixed (float* px = x, pw = w, py = y, pb = bias)
        {
            var g = new GemmOperands(px, k, pw, k, py, n, bias.IsEmpty ? null : pb, m, k, n);
            Multiply(g, isa, degree, path);
        }
    }

    /// <summary>Runs a validated, pinned product on the chosen path.</summary>
    internal static unsafe void Multiply(in GemmOperands g, KernelIsa isa, int degree, GemmPath path = GemmPath.Auto)
    {
        if (g.K == 0)
        {
            for (int i = 0; i < g.M; i++)
            {
                var row = new Span<float>(g.Y + (long)i * g.Ldy, g.N);
                if (g.Bias == null) row.Clear();
                else new ReadOnlySpan<float>(g.Bias, g.N).CopyTo(row);
            }
            return;
        }
        degree = g.MultiplyAdds < ParallelMinMultiplyAdds ? 1 : Parallelism.Resolve(degree);
        var resolved = KernelIsaSelector.Resolve(isa);
        bool packed = path == GemmPath.Packed || (path == GemmPath.Auto && g.M >= PackedMinRows(resolved));
        switch (resolved)
        {
            case KernelIsa.Avx512:
                if (packed) PackedGemm<System.Runtime.Intrinsics.Vector512<float>, Simd512>.Run(g, degree);
                else DotGemm<System.Runtime.Intrinsics.Vector512<float>, Simd512>.Run(g, degree);
                break;
            case KernelIsa.Avx2:
                if (packed) PackedGemm<System.Runtime.Intrinsics.Vector256<float>, Simd256>.Run(g, degree);
                else DotGemm<System.Runtime.Intrinsics.Vector256<float>, Simd256>.Run(g, degree);
                break;
            default:
                if (packed) PackedGemm<System.Runtime.Intrinsics.Vector128<float>, Simd128>.Run(g, degree);
                else DotGemm<System.Runtime.Intrinsics.Vector128<float>, Simd128>.Run(g, degree);
                break;
        }
    }
}
