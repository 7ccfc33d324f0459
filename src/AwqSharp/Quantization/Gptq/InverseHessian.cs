using System.Numerics.Tensors;

namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// The inverse-Hessian factor GPTQ sweeps with: the upper Cholesky factor <c>U</c> of <c>(H + λI)⁻¹</c>
/// (<c>cholesky(cholesky_inverse(cholesky(H)), upper=True)</c> in the reference), computed in float64 and handed to
/// the sweep in float32 as <c>Uᵀ</c> (row j holds column j of U, contiguous).
/// </summary>
/// <remarks>
/// <para>
/// Instead of three factorizations we use the identity <c>U = Ũ⁻¹</c> where <c>H = Ũ Ũᵀ</c> with Ũ upper triangular
/// (a Cholesky factorization taken from the last row up): <c>Ũ⁻ᵀ Ũ⁻¹ = (Ũ Ũᵀ)⁻¹ = H⁻¹</c>, and Ũ⁻¹ is upper triangular
/// with a positive diagonal, so by uniqueness it is the reference's factor. That is one factorization and one
/// triangular inverse (⅓ d³ multiply-adds) instead of four ⅓ d³ steps; the tests check it against a float64
/// transcription of the reference's three steps.
/// </para>
/// <para>
/// Both steps are blocked for cache reuse, but every matrix element receives its updates as one fused
/// multiply-add chain in a fixed order, so the result does not depend on the blocking or the thread count.
/// </para>
/// <para>
/// Damping: <c>λ = percdamp · mean(diag H)</c>. When the factorization meets a non-positive pivot (H numerically
/// singular), the damping fraction grows by <see cref="GptqOptions.DampAutoIncrement"/> and the factorization
/// restarts from the undamped H, while the fraction stays below 1 (GPTQModel's fallback; the original code raises).
/// </para>
/// </remarks>
internal static class InverseHessian
{
    /// <summary>Rows per block of the factorization's trailing update.</summary>
    private const int FactorBlock = 64;
    /// <summary>Columns per task of the triangular inverse.</summary>
    private const int InverseBlock = 64;
    /// <summary>Matrices smaller than this stay on the calling thread.</summary>
    private const int ParallelMinColumns = 256;

    /// <summary>The factor of the damped inverse of <paramref name="hessian"/> (<c>[d, d]</c>, not modified).</summary>
    /// <exception cref="AwqException">No damping below 1 makes the factorization succeed; the message names <paramref name="name"/>.</exception>
    public static InverseHessianFactor Compute(double[] hessian, int d, GptqOptions options, string name, int degree)
    {
        double mean = 0;
        for (int i = 0; i < d; i++) mean += hessian[(long)i * d + i];
        mean /= d;
        if (!double.IsFinite(mean))
            throw new AwqException($"GPTQ {name}: the Hessian has a non-finite diagonal (NaN or infinite calibration activations)");
        double percdamp = options.PercDamp;
        int attempts = 0;
        var a = new double[(long)d * d];
        while (true)
        {
            attempts++;
            hessian.AsSpan().CopyTo(a);
            double damp = percdamp * mean;
            for (int i = 0; i < d; i++) a[(long)i * d + i] += damp;
            if (TryFactorInverse(a, d, degree, out var transposed))
                return new InverseHessianFactor(d, transposed, percdamp, attempts - 1);
            double next = percdamp + options.DampAutoIncrement;
            if (options.DampAutoIncrement <= 0 || !(next < 1))
                throw new AwqException(options.DampAutoIncrement <= 0
                    ? $"GPTQ {name}: the damped Hessian ({d}x{d}, damp {percdamp:G4} of its mean diagonal {mean:G4}) is not positive definite (Cholesky failed); raise --damp or use more calibration tokens"
                    : $"GPTQ {name}: the Hessian ({d}x{d}, mean diagonal {mean:G4}) is not positive definite even with damp {percdamp:G4} " +
                      $"(raised from {options.PercDamp:G4} in steps of {options.DampAutoIncrement:G4}, {attempts} Cholesky attempts); the calibration inputs are degenerate");
            percdamp = next;
        }
    }

    /// <summary>
    /// Overwrites the lower triangle of <paramref name="a"/> (damped H) with <c>V = Ũᵀ</c> and returns <c>Uᵀ = V⁻¹</c>
    /// in float32; false when a pivot is not positive or the inverse overflows.
    /// </summary>
    internal static bool TryFactorInverse(double[] a, int d, int degree, out float[] transposed)
    {
        transposed = [];
        if (!TryReverseCholesky(a, d, degree)) return false;
        var m = InvertLower(a, d, degree);
        transposed = new float[(long)d * d];
        for (long i = 0; i < m.Length; i++)
        {
            double v = m[i];
            if (!double.IsFinite(v) || Math.Abs(v) > float.MaxValue) return false;
            transposed[i] = (float)v;
        }
        return true;
    }

    /// <summary>
    /// <c>H = Ũ Ũᵀ</c>, Ũ upper, pivoting from the last row up; stores <c>V = Ũᵀ</c> (lower) over the lower triangle of
    /// <paramref name="a"/>: <c>V[k, k] = sqrt(a[k, k])</c>, <c>V[k, :k] = a[k, :k] / V[k, k]</c>, then
    /// <c>a[i, :i+1] -= V[k, i] · V[k, :i+1]</c> for every i &lt; k.
    /// </summary>
    internal static bool TryReverseCholesky(double[] a, int d, int degree)
    {
        int threads = d < ParallelMinColumns ? 1 : degree;
        for (int blockEnd = d; blockEnd > 0; blockEnd -= FactorBlock)
        {
            int blockStart = Math.Max(0, blockEnd - FactorBlock);
            for (int k = blockEnd - 1; k >= blockStart; k--)
            {
                if (!Pivot(a, d, k)) return false;
                for (int i = blockStart; i < k; i++) Update(a, d, i, k);
            }
            if (blockStart == 0) break;
            // Rows above the block take the block's updates, k descending as the unblocked order.
            int rowsPerTask = 32, tasks = (blockStart + rowsPerTask - 1) / rowsPerTask;
            Kernels.Parallelism.For(tasks, threads, t =>
            {
                int end = Math.Min(blockStart, (t + 1) * rowsPerTask);
                for (int i = t * rowsPerTask; i < end; i++)
                    for (int k = blockEnd - 1; k >= blockStart; k--) Update(a, d, i, k);
            });
        }
        return true;
    }

    private static bool Pivot(double[] a, int d, int k)
    {
        long rowK = (long)k * d;
        double p = a[rowK + k];
        if (!(p > 0) || !double.IsFinite(p)) return false;
        double r = Math.Sqrt(p);
        var row = a.AsSpan((int)rowK, k);
        TensorPrimitives.Divide(row, r, row);
        a[rowK + k] = r;
        return true;
    }

    /// <summary><c>a[i, :i+1] -= V[k, i] · V[k, :i+1]</c> (row k already holds V).</summary>
    private static void Update(double[] a, int d, int i, int k)
    {
        long rowI = (long)i * d, rowK = (long)k * d;
        double f = -a[rowK + i];
        if (f == 0) return;
        var target = a.AsSpan((int)rowI, i + 1);
        TensorPrimitives.FusedMultiplyAdd(a.AsSpan((int)rowK, i + 1), f, target, target);
    }

    /// <summary>
    /// <c>M = V⁻¹</c> for lower-triangular V (the lower triangle of <paramref name="v"/>): <c>M[i, i] = 1 / V[i, i]</c>,
    /// <c>M[i, j] = -(Σ_{k=j}^{i-1} V[i, k] M[k, j]) / V[i, i]</c>, accumulated k ascending, one column block per task.
    /// </summary>
    internal static double[] InvertLower(double[] v, int d, int degree)
    {
        var m = new double[(long)d * d];
        int tasks = (d + InverseBlock - 1) / InverseBlock;
        int threads = d < ParallelMinColumns ? 1 : degree;
        Kernels.Parallelism.For(tasks, threads, task =>
        {
            int j0 = task * InverseBlock, j1 = Math.Min(d, j0 + InverseBlock);
            Span<double> acc = stackalloc double[InverseBlock];
            for (int i = j0; i < d; i++)
            {
                long rowI = (long)i * d;
                int width = Math.Min(j1, i) - j0; // columns of this block strictly left of the diagonal
                if (width > 0)
                {
                    var sum = acc[..width];
                    sum.Clear();
                    for (int k = j0; k < i; k++)
                    {
                        double f = v[rowI + k];
                        int len = Math.Min(j1, k + 1) - j0;
                        if (f == 0 || len <= 0) continue;
                        var part = sum[..len];
                        TensorPrimitives.FusedMultiplyAdd(m.AsSpan((int)((long)k * d + j0), len), f, part, part);
                    }
                    double diag = v[rowI + i];
                    for (int j = 0; j < width; j++) m[rowI + j0 + j] = -sum[j] / diag;
                }
                if (i < j1) m[rowI + i] = 1 / v[rowI + i];
            }
        });
        return m;
    }
}

/// <summary>The float32 <c>Uᵀ</c> GPTQ sweeps with, and the damping that made it exist.</summary>
/// <param name="Columns">d.</param>
/// <param name="Transposed">Row-major <c>[d, d]</c>, lower triangular: <c>Transposed[j, k] = U[k, j]</c> for k ≤ j.</param>
/// <param name="PercDamp">The damping fraction finally used.</param>
/// <param name="Retries">Failed Cholesky attempts before it (0 when the requested damping sufficed).</param>
internal sealed record InverseHessianFactor(int Columns, float[] Transposed, double PercDamp, int Retries)
{
    /// <summary><c>U[row, column]</c> for row ≤ column.</summary>
    public float Upper(int row, int column) => Transposed[(long)column * Columns + row];
}
