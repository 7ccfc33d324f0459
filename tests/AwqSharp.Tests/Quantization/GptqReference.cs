namespace AwqSharp.Tests.Quantization;

/// <summary>
/// A literal float64 transcription of IST-DASLab/gptq (<c>add_batch</c>, <c>Quantizer.find_params</c>, <c>quantize</c>,
/// <c>fasterquant</c>), loop for loop and with the three factorizations the reference does, written independently of
/// the library's kernels so the tests can compare the two.
/// </summary>
internal static class GptqReference
{
    /// <summary>The reference's running <c>H *= n/(n+m); H += (sqrt(2/n)·x) (sqrt(2/n)·x)ᵀ</c>, batch by batch, in float64.</summary>
    public static double[] Hessian(float[] x, int rows, int cols, int batchRows)
    {
        var h = new double[cols * cols];
        long n = 0;
        for (int r0 = 0; r0 < rows; r0 += batchRows)
        {
            int m = Math.Min(batchRows, rows - r0);
            double shrink = (double)n / (n + m);
            for (int i = 0; i < h.Length; i++) h[i] *= shrink;
            n += m;
            double f = Math.Sqrt(2.0 / n);
            for (int t = r0; t < r0 + m; t++)
                for (int i = 0; i < cols; i++)
                {
                    double xi = f * x[t * cols + i];
                    for (int j = 0; j < cols; j++) h[i * cols + j] += xi * (f * x[t * cols + j]);
                }
        }
        return h;
    }

    public static (double Scale, double Zero) FindParams(ReadOnlySpan<double> x, int maxq, bool sym)
    {
        double xmin = Math.Min(x.ToArray().Min(), 0), xmax = Math.Max(x.ToArray().Max(), 0);
        if (sym)
        {
            xmax = Math.Max(Math.Abs(xmin), xmax);
            if (xmin < 0) xmin = -xmax;
        }
        if (xmin == 0 && xmax == 0) { xmin = -1; xmax = 1; }
        double scale = (xmax - xmin) / maxq;
        double zero = sym ? (maxq + 1) / 2.0 : Math.Round(-xmin / scale);
        return (scale, zero);
    }

    public static double Code(double x, double scale, double zero, int maxq) => Math.Clamp(Math.Round(x / scale) + zero, 0, maxq);

    /// <summary>Lower Cholesky factor (torch.linalg.cholesky); null when not positive definite.</summary>
    public static double[]? Cholesky(double[] a, int n)
    {
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            double s = a[j * n + j];
            for (int k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
            if (!(s > 0)) return null;
            l[j * n + j] = Math.Sqrt(s);
            for (int i = j + 1; i < n; i++)
            {
                double t = a[i * n + j];
                for (int k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = t / l[j * n + j];
            }
        }
        return l;
    }

    /// <summary>torch.cholesky_inverse: (L Lᵀ)⁻¹ from L.</summary>
    public static double[] CholeskyInverse(double[] l, int n)
    {
        var inv = new double[n * n]; // L⁻¹ by forward substitution
        for (int c = 0; c < n; c++)
            for (int i = 0; i < n; i++)
            {
                double s = i == c ? 1 : 0;
                for (int k = 0; k < i; k++) s -= l[i * n + k] * inv[k * n + c];
                inv[i * n + c] = s / l[i * n + i];
            }
        var result = new double[n * n]; // L⁻ᵀ L⁻¹
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += inv[k * n + i] * inv[k * n + j];
                result[i * n + j] = s;
            }
        return result;
    }

    /// <summary>cholesky(cholesky_inverse(cholesky(H)), upper=True), row-major upper U.</summary>
    public static double[]? UpperFactorOfInverse(double[] h, int n)
    {
        var l = Cholesky(h, n);
        if (l is null) return null;
        var hinv = CholeskyInverse(l, n);
        var l2 = Cholesky(hinv, n);
        if (l2 is null) return null;
        var u = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) u[i * n + j] = l2[j * n + i];
        return u;
    }

    public sealed record Result(byte[] Codes, double[] Scales, double[] Zeros, double Loss, int GroupSize, int Groups);

    /// <summary>fasterquant, transcribed. groupSize -1 = per channel.</summary>
    public static Result FasterQuant(float[] weight, int rows, int cols, double[] hessian, int bits, int groupSize, bool sym,
        double percdamp = 0.01, int blocksize = 128, bool actorder = false, bool staticGroups = false)
    {
        int maxq = (1 << bits) - 1;
        var w = weight.Select(v => (double)v).ToArray();
        var h = (double[])hessian.Clone();
        int g = groupSize == -1 ? cols : Math.Min(groupSize, cols);
        int groups = (cols + g - 1) / g;
        var scales = new double[rows * groups];
        var zeros = new double[rows * groups];
        var scale = new double[rows];
        var zero = new double[rows];
        double[] Row(int r, int c0, int c1, double[] m, int stride) => Enumerable.Range(c0, c1 - c0).Select(c => m[r * stride + c]).ToArray();

        // if not self.quantizer.ready(): find_params(W)
        for (int r = 0; r < rows; r++) (scale[r], zero[r]) = FindParams(Row(r, 0, cols, w, cols), maxq, sym);
        if (groupSize == -1)
            for (int r = 0; r < rows; r++) { scales[r] = scale[r]; zeros[r] = zero[r]; }

        for (int i = 0; i < cols; i++)
            if (h[i * cols + i] == 0)
            {
                h[i * cols + i] = 1;
                for (int r = 0; r < rows; r++) w[r * cols + i] = 0;
            }

        var staticScale = new double[rows * groups];
        var staticZero = new double[rows * groups];
        if (staticGroups && groupSize != -1)
            for (int q = 0; q < groups; q++)
                for (int r = 0; r < rows; r++)
                {
                    (staticScale[r * groups + q], staticZero[r * groups + q]) = FindParams(Row(r, q * g, Math.Min(cols, q * g + g), w, cols), maxq, sym);
                    scales[r * groups + q] = staticScale[r * groups + q];
                    zeros[r * groups + q] = staticZero[r * groups + q];
                }

        var perm = Enumerable.Range(0, cols).ToArray();
        if (actorder)
        {
            perm = perm.OrderByDescending(i => h[i * cols + i]).ThenBy(i => i).ToArray();
            var wp = new double[w.Length];
            var hp = new double[h.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) wp[r * cols + c] = w[r * cols + perm[c]];
            for (int a = 0; a < cols; a++)
                for (int b = 0; b < cols; b++) hp[a * cols + b] = h[perm[a] * cols + perm[b]];
            w = wp; h = hp;
        }

        double mean = 0;
        for (int i = 0; i < cols; i++) mean += h[i * cols + i];
        mean /= cols;
        for (int i = 0; i < cols; i++) h[i * cols + i] += percdamp * mean;
        var hinv = UpperFactorOfInverse(h, cols) ?? throw new InvalidOperationException("reference Cholesky failed");

        var codes = new byte[rows * cols];
        double loss = 0;
        for (int i1 = 0; i1 < cols; i1 += blocksize)
        {
            int i2 = Math.Min(i1 + blocksize, cols), count = i2 - i1;
            var w1 = new double[rows * count];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++) w1[r * count + c] = w[r * cols + i1 + c];
            var err1 = new double[rows * count];
            for (int i = 0; i < count; i++)
            {
                double d = hinv[(i1 + i) * cols + i1 + i];
                if (groupSize != -1)
                {
                    if (!staticGroups)
                    {
                        if ((i1 + i) % groupSize == 0)
                        {
                            int q = (i1 + i) / g;
                            for (int r = 0; r < rows; r++)
                            {
                                (scale[r], zero[r]) = FindParams(Row(r, i1 + i, Math.Min(cols, i1 + i + groupSize), w, cols), maxq, sym);
                                scales[r * groups + q] = scale[r]; zeros[r * groups + q] = zero[r];
                            }
                        }
                    }
                    else
                    {
                        int idx = i1 + i;
                        if (actorder) idx = perm[idx];
                        for (int r = 0; r < rows; r++) { scale[r] = staticScale[r * groups + idx / g]; zero[r] = staticZero[r * groups + idx / g]; }
                    }
                }
                for (int r = 0; r < rows; r++)
                {
                    double x = w1[r * count + i];
                    double code = Code(x, scale[r], zero[r], maxq);
                    double q = scale[r] * (code - zero[r]);
                    codes[r * cols + perm[i1 + i]] = (byte)code;
                    loss += (x - q) * (x - q) / (d * d) / 2;
                    double e = (x - q) / d;
                    for (int j = i; j < count; j++) w1[r * count + j] -= e * hinv[(i1 + i) * cols + i1 + j];
                    err1[r * count + i] = e;
                }
            }
            for (int r = 0; r < rows; r++)
                for (int j = i2; j < cols; j++)
                {
                    double s = 0;
                    for (int k = 0; k < count; k++) s += err1[r * count + k] * hinv[(i1 + k) * cols + j];
                    w[r * cols + j] -= s;
                }
        }
        return new Result(codes, scales, zeros, loss, g, groups);
    }
}
