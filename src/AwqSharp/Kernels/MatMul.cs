namespace AwqSharp.Kernels;

/// <summary>
/// Dense float32 matrix products. The model stores linear weights as HuggingFace does, row-major
/// <c>[out, in]</c>, so the workhorse is <c>Y[m, n] = X[m, k] · W[n, k]ᵀ</c> (every output is a dot
/// product of an activation row and a weight row: both contiguous).
/// </summary>
public static class MatMul
{
    /// <summary>
    /// <c>y[m, n] = x[m, k] · w[n, k]ᵀ</c> (+ <paramref name="bias"/>[n] when given). Row-major, no aliasing.
    /// Multi-threaded over the output; deterministic whatever the thread count (every output element is
    /// reduced in the same order).
    /// </summary>
    public static void MultiplyTransposed(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y, int m, int k, int n, ReadOnlySpan<float> bias = default)
    {
        if (x.Length < (long)m * k) throw new ArgumentException($"x has {x.Length} elements, needs m*k = {(long)m * k}", nameof(x));
        if (w.Length < (long)n * k) throw new ArgumentException($"w has {w.Length} elements, needs n*k = {(long)n * k}", nameof(w));
        if (y.Length < (long)m * n) throw new ArgumentException($"y has {y.Length} elements, needs m*n = {(long)m * n}", nameof(y));
        if (!bias.IsEmpty && bias.Length != n) throw new ArgumentException($"bias has {bias.Length} elements, needs n = {n}", nameof(bias));
        // Placeholder: simple SIMD dot products; the blocked multi-threaded kernel replaces this body.
        for (int i = 0; i < m; i++)
        {
            var xi = x.Slice(i * k, k);
            for (int j = 0; j < n; j++)
            {
                float s = System.Numerics.Tensors.TensorPrimitives.Dot(xi, w.Slice(j * k, k));
                y[i * n + j] = bias.IsEmpty ? s : s + bias[j];
            }
        }
    }
}
