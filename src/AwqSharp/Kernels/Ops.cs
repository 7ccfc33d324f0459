using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels;

/// <summary>Element-wise and row-wise ops of the Llama block, on float32 spans.</summary>
/// <remarks>
/// Accuracy: each op is within a few float32 roundings of the exact result (sums are accumulated in float64),
/// so relative errors stay near 1e-7. Results do not depend on the thread count.
/// </remarks>
public static class Ops
{
    /// <summary>Below this many elements the row-wise ops run on the calling thread alone.</summary>
    private const int ParallelMinElements = 1 << 16;

    /// <summary>
    /// RMSNorm of each row of <paramref name="x"/> (<c>[rows, dim]</c>, <c>dim = weight.Length</c>):
    /// <c>y = x / sqrt(mean(x²) + eps) · weight</c>. The mean of squares is accumulated in float64;
    /// <paramref name="y"/> may be <paramref name="x"/> itself (in place).
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than <c>rows · dim</c>, or the weight is empty.</exception>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int rows, float eps)
        => RmsNormCore(x, weight, y, rows, eps, KernelIsa.Auto, degree: 0);

    internal static unsafe void RmsNormCore(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, Span<float> y, int rows, float eps, KernelIsa isa, int degree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        int dim = weight.Length;
        if (dim == 0) throw new ArgumentException("weight is empty: RMSNorm needs dim > 0", nameof(weight));
        long need = (long)rows * dim;
        if (x.Length < need) throw new ArgumentException($"x has {x.Length} elements, needs rows*dim = {need}", nameof(x));
        if (y.Length < need) throw new ArgumentException($"y has {y.Length} elements, needs rows*dim = {need}", nameof(y));
        fixed (float* px = x, pw = weight, py = y)
        {
            float* xs = px, ws = pw, ys = py;
            const int RowsPerTask = 16;
            int tasks = (rows + RowsPerTask - 1) / RowsPerTask;
            int threads = need < ParallelMinElements ? 1 : Parallelism.Resolve(degree);
            Parallelism.For(tasks, threads, t =>
            {
                var w = new ReadOnlySpan<float>(ws, dim);
                int end = Math.Min(rows, (t + 1) * RowsPerTask);
                for (int r = t * RowsPerTask; r < end; r++)
                {
                    var xr = new ReadOnlySpan<float>(xs + (long)r * dim, dim);
                    var yr = new Span<float>(ys + (long)r * dim, dim);
                    double meanSquare = DoubleSums.SumOfSquares(xr, isa) / dim;
                    float inv = (float)(1.0 / Math.Sqrt(meanSquare + eps));
                    TensorPrimitives.Multiply(xr, inv, yr);
                    TensorPrimitives.Multiply(yr, w, yr);
                }
            });
        }
    }

    /// <summary>
    /// In-place softmax of one row: <c>x[i] = exp(x[i] - max) / Σ exp(x[j] - max)</c>, the sum in float64.
    /// A row of all <c>-∞</c> (or containing <c>+∞</c> or NaN) yields NaN, as in PyTorch.
    /// </summary>
    public static void Softmax(Span<float> x) => SoftmaxCore(x, KernelIsa.Auto);

    internal static void SoftmaxCore(Span<float> x, KernelIsa isa)
    {
        if (x.IsEmpty) return;
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        double sum = DoubleSums.Sum(x, isa);
        TensorPrimitives.Multiply(x, (float)(1.0 / sum), x);
    }

    /// <summary>SwiGLU: <c>gate[i] = silu(gate[i]) · up[i]</c> with <c>silu(g) = g · sigmoid(g)</c>, in place on <paramref name="gate"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="up"/> is not as long as <paramref name="gate"/>.</exception>
    public static void SiluMultiply(Span<float> gate, ReadOnlySpan<float> up) => SiluMultiplyCore(gate, up, degree: 0);

    internal static unsafe void SiluMultiplyCore(Span<float> gate, ReadOnlySpan<float> up, int degree)
    {
        if (up.Length != gate.Length) throw new ArgumentException($"up has {up.Length} elements, gate has {gate.Length}", nameof(up));
        const int TaskElements = 1 << 14;
        int n = gate.Length;
        fixed (float* pg = gate, pu = up)
        {
            float* gs = pg, us = pu;
            int tasks = (n + TaskElements - 1) / TaskElements;
            Parallelism.For(tasks, n < ParallelMinElements ? 1 : Parallelism.Resolve(degree), t =>
            {
                const int Chunk = 512; // stays in L1 between the three passes
                Span<float> sig = stackalloc float[Chunk];
                int end = Math.Min(n, (t + 1) * TaskElements);
                for (int i = t * TaskElements; i < end; i += Chunk)
                {
                    int len = Math.Min(Chunk, end - i);
                    var g = new Span<float>(gs + i, len);
                    var s = sig[..len];
                    TensorPrimitives.Sigmoid(g, s);
                    TensorPrimitives.Multiply(g, s, g);
                    TensorPrimitives.Multiply(g, new ReadOnlySpan<float>(us + i, len), g);
                }
            });
        }
    }

    /// <summary>
    /// HuggingFace Llama rotary embedding ("rotate_half") on one head vector of length <c>2h</c>, in place:
    /// frequency <c>i</c> pairs element <c>i</c> with element <c>i + h</c>:
    /// <c>out[i] = x[i]·cos[i] − x[i+h]·sin[i]</c>, <c>out[i+h] = x[i+h]·cos[i] + x[i]·sin[i]</c>.
    /// </summary>
    /// <param name="headVector">One head's query or key vector, length <c>headDim = 2h</c>.</param>
    /// <param name="cos">cos(position · inv_freq[i]) for <c>i &lt; h</c>.</param>
    /// <param name="sin">sin(position · inv_freq[i]) for <c>i &lt; h</c>.</param>
    /// <exception cref="ArgumentException">The lengths do not satisfy <c>headVector = 2·cos = 2·sin</c>.</exception>
    public static void ApplyRotaryHalf(Span<float> headVector, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
        => ApplyRotaryHalfCore(headVector, cos, sin, KernelIsa.Auto);

    internal static unsafe void ApplyRotaryHalfCore(Span<float> headVector, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, KernelIsa isa)
    {
        int h = cos.Length;
        if (sin.Length != h) throw new ArgumentException($"sin has {sin.Length} elements, cos has {h}", nameof(sin));
        if (headVector.Length != 2 * h) throw new ArgumentException($"head vector has {headVector.Length} elements, needs 2 * cos.Length = {2 * h}", nameof(headVector));
        fixed (float* x = headVector, c = cos, s = sin)
        {
            switch (KernelIsaSelector.Resolve(isa))
            {
                case KernelIsa.Avx512: Rotary<Vector512<float>, Simd512>(x, c, s, h); break;
                case KernelIsa.Avx2: Rotary<Vector256<float>, Simd256>(x, c, s, h); break;
                default: Rotary<Vector128<float>, Simd128>(x, c, s, h); break;
            }
        }
    }

    /// <summary>Separate multiplies and adds (no FMA), so the vector body and the scalar tail give the same bits.</summary>
    private static unsafe void Rotary<TVec, TSimd>(float* x, float* cos, float* sin, int h)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        float* x2 = x + h;
        int i = 0;
        for (; i <= h - TSimd.Count; i += TSimd.Count)
        {
            TVec a = TSimd.Load(x + i), b = TSimd.Load(x2 + i), c = TSimd.Load(cos + i), s = TSimd.Load(sin + i);
            TSimd.Store(x + i, TSimd.Subtract(TSimd.Multiply(a, c), TSimd.Multiply(b, s)));
            TSimd.Store(x2 + i, TSimd.Add(TSimd.Multiply(b, c), TSimd.Multiply(a, s)));
        }
        for (; i < h; i++)
        {
            float a = x[i], b = x2[i];
            x[i] = a * cos[i] - b * sin[i];
            x2[i] = b * cos[i] + a * sin[i];
        }
    }
}
