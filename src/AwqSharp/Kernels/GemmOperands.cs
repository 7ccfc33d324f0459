namespace AwqSharp.Kernels;

/// <summary>
/// Pinned operands of <c>Y[m, n] = X[m, k] · W[n, k]ᵀ (+ bias[n])</c>, each matrix row-major with its own row
/// stride (leading dimension) so that kernels can work on views (one attention head inside a wider row, say).
/// Only valid while the caller keeps the memory pinned.
/// </summary>
internal readonly unsafe struct GemmOperands
{
    public GemmOperands(float* x, int ldx, float* w, int ldw, float* y, int ldy, float* bias, int m, int k, int n)
    {
        X = x; Ldx = ldx; W = w; Ldw = ldw; Y = y; Ldy = ldy; Bias = bias; M = m; K = k; N = n;
    }

    /// <summary>Activations, <c>[M, K]</c> with row stride <see cref="Ldx"/>.</summary>
    public float* X { get; }
    public int Ldx { get; }

    /// <summary>Weights, <c>[N, K]</c> with row stride <see cref="Ldw"/> (HuggingFace <c>[out, in]</c>).</summary>
    public float* W { get; }
    public int Ldw { get; }

    /// <summary>Output, <c>[M, N]</c> with row stride <see cref="Ldy"/>.</summary>
    public float* Y { get; }
    public int Ldy { get; }

    /// <summary><c>[N]</c>, or null for no bias.</summary>
    public float* Bias { get; }

    public int M { get; }
    public int K { get; }
    public int N { get; }

    /// <summary>Multiply-adds in the product (2× this is the FLOP count).</summary>
    public long MultiplyAdds => (long)M * K * N;
}
