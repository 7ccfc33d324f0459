namespace AwqSharp.Tests.Kernels;

/// <summary>Plain float64 versions of the kernels, written from their definitions, to test against.</summary>
public static class Float64Reference
{
    /// <summary><c>y[m, n] = x[m, k] · w[n, k]ᵀ + bias</c>.</summary>
    public static double[] MultiplyTransposed(float[] x, float[] w, int m, int k, int n, float[]? bias = null)
    {
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = bias is null ? 0 : bias[j];
                for (int p = 0; p < k; p++) s += (double)x[i * k + p] * w[j * k + p];
                y[i * n + j] = s;
            }
        return y;
    }

    public static double[] RmsNorm(float[] x, float[] weight, int rows, double eps)
    {
        int dim = weight.Length;
        var y = new double[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double)x[r * dim + i] * x[r * dim + i];
            double inv = 1 / Math.Sqrt(ss / dim + eps);
            for (int i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i] * inv * weight[i];
        }
        return y;
    }

    public static double[] Softmax(ReadOnlySpan<float> x)
    {
        double max = double.NegativeInfinity;
        foreach (float v in x) max = Math.Max(max, v);
        var e = new double[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += e[i] = Math.Exp(x[i] - max);
        for (int i = 0; i < x.Length; i++) e[i] /= sum;
        return e;
    }

    public static double[] SiluMultiply(float[] gate, float[] up)
    {
        var y = new double[gate.Length];
        for (int i = 0; i < gate.Length; i++) y[i] = gate[i] / (1 + Math.Exp(-(double)gate[i])) * up[i];
        return y;
    }

    public static double[] RotaryHalf(float[] x, double[] cos, double[] sin)
    {
        int h = cos.Length;
        var y = new double[2 * h];
        for (int i = 0; i < h; i++)
        {
            y[i] = x[i] * cos[i] - x[i + h] * sin[i];
            y[i + h] = x[i + h] * cos[i] + x[i] * sin[i];
        }
        return y;
    }

    /// <summary>Causal grouped-query attention, straight from the definition.</summary>
    public static double[] CausalSelfAttention(float[] q, float[] keys, float[] values, int tq, int startPos, int nHeads, int nKvHeads, int headDim)
    {
        int ldq = nHeads * headDim, ldkv = nKvHeads * headDim, group = nHeads / nKvHeads;
        var output = new double[tq * ldq];
        double scale = 1 / Math.Sqrt(headDim);
        for (int t = 0; t < tq; t++)
            for (int h = 0; h < nHeads; h++)
            {
                int kv = h / group, visible = startPos + t + 1;
                var s = new double[visible];
                double max = double.NegativeInfinity;
                for (int j = 0; j < visible; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) dot += (double)q[t * ldq + h * headDim + d] * keys[j * ldkv + kv * headDim + d];
                    s[j] = dot * scale;
                    max = Math.Max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < visible; j++) sum += s[j] = Math.Exp(s[j] - max);
                for (int d = 0; d < headDim; d++)
                {
                    double o = 0;
                    for (int j = 0; j < visible; j++) o += s[j] / sum * values[j * ldkv + kv * headDim + d];
                    output[t * ldq + h * headDim + d] = o;
                }
            }
        return output;
    }
}
