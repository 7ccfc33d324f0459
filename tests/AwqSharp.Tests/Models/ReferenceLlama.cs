using AwqSharp.Models;

namespace AwqSharp.Tests.Models;

/// <summary>
/// A plain float64 Llama forward written straight from the HuggingFace modeling code (no kernels,
/// no caches, triple loops): the reference the float32 engine is checked against.
/// </summary>
internal sealed class ReferenceLlama(LlamaModel model)
{
    private readonly ModelConfig c = model.Config;
    private readonly LlamaWeights w = model.Weights;

    private static double[] Dense(ILinear linear, double[] x, int rows)
    {
        var d = (DenseLinear)linear;
        var y = new double[rows * d.OutFeatures];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < d.OutFeatures; o++)
            {
                double s = d.Bias?[o] ?? 0;
                for (int i = 0; i < d.InFeatures; i++) s += x[r * d.InFeatures + i] * (double)d.Weight[(long)o * d.InFeatures + i];
                y[r * d.OutFeatures + o] = s;
            }
        return y;
    }

    private double[] RmsNorm(double[] x, float[] weight, int rows)
    {
        int h = weight.Length;
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < h; i++) ss += x[r * h + i] * x[r * h + i];
            double inv = 1 / Math.Sqrt(ss / h + c.RmsNormEps);
            for (int i = 0; i < h; i++) y[r * h + i] = x[r * h + i] * inv * weight[i];
        }
        return y;
    }

    private void Rope(double[] x, int rows, int heads, int startPos)
    {
        var inv = RotaryEmbedding.ComputeInverseFrequencies(c.HeadDim, c.RopeTheta, c.RopeScaling);
        int hd = c.HeadDim, half = hd / 2;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
            {
                int b = r * heads * hd + h * hd;
                for (int i = 0; i < half; i++)
                {
                    double ang = (startPos + r) * inv[i], cos = Math.Cos(ang), sin = Math.Sin(ang);
                    double a = x[b + i], bb = x[b + i + half];
                    x[b + i] = a * cos - bb * sin;
                    x[b + i + half] = bb * cos + a * sin;
                }
            }
    }

    /// <summary>One block on the residual stream of one sequence starting at position 0.</summary>
    public double[] Block(int layer, double[] x, int rows)
    {
        var lw = w.Layers[layer];
        int hd = c.HeadDim, nh = c.NumHeads, nkv = c.NumKvHeads, hidden = c.HiddenSize;
        var xn = RmsNorm(x, lw.InputNorm, rows);
        var q = Dense(lw.Q, xn, rows); var k = Dense(lw.K, xn, rows); var v = Dense(lw.V, xn, rows);
        Rope(q, rows, nh, 0); Rope(k, rows, nkv, 0);
        var att = new double[rows * nh * hd];
        for (int t = 0; t < rows; t++)
            for (int h = 0; h < nh; h++)
            {
                int kh = h / (nh / nkv);
                var scores = new double[t + 1];
                double max = double.NegativeInfinity;
                for (int p = 0; p <= t; p++)
                {
                    double s = 0;
                    for (int d = 0; d < hd; d++) s += q[t * nh * hd + h * hd + d] * k[p * nkv * hd + kh * hd + d];
                    scores[p] = s / Math.Sqrt(hd);
                    max = Math.Max(max, scores[p]);
                }
                double sum = 0;
                for (int p = 0; p <= t; p++) { scores[p] = Math.Exp(scores[p] - max); sum += scores[p]; }
                for (int d = 0; d < hd; d++)
                {
                    double acc = 0;
                    for (int p = 0; p <= t; p++) acc += scores[p] / sum * v[p * nkv * hd + kh * hd + d];
                    att[t * nh * hd + h * hd + d] = acc;
                }
            }
        var o = Dense(lw.O, att, rows);
        var x2 = new double[x.Length];
        for (int i = 0; i < x.Length; i++) x2[i] = x[i] + o[i];
        var hn = RmsNorm(x2, lw.PostAttentionNorm, rows);
        var g = Dense(lw.Gate, hn, rows); var u = Dense(lw.Up, hn, rows);
        for (int i = 0; i < g.Length; i++) g[i] = g[i] / (1 + Math.Exp(-g[i])) * u[i];
        var dn = Dense(lw.Down, g, rows);
        for (int i = 0; i < x2.Length; i++) x2[i] += dn[i];
        _ = hidden;
        return x2;
    }

    public double[] Embed(int[] tokens)
    {
        int h = c.HiddenSize;
        var x = new double[tokens.Length * h];
        for (int t = 0; t < tokens.Length; t++)
            for (int i = 0; i < h; i++) x[t * h + i] = w.Embeddings[(long)tokens[t] * h + i];
        return x;
    }

    public double[] Logits(int[] tokens)
    {
        var x = Embed(tokens);
        for (int l = 0; l < c.NumLayers; l++) x = Block(l, x, tokens.Length);
        x = RmsNorm(x, w.FinalNorm, tokens.Length);
        return Dense(w.LmHead, x, tokens.Length);
    }

    public static double RelativeError(ReadOnlySpan<float> actual, double[] reference)
    {
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(actual[i] - reference[i]));
            maxRef = Math.Max(maxRef, Math.Abs(reference[i]));
        }
        return maxErr / maxRef;
    }
}
