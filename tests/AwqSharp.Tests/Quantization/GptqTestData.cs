namespace AwqSharp.Tests.Quantization;

/// <summary>
/// A linear layer and calibration inputs shaped like real ones: weights as <see cref="TestWeights"/>, inputs with
/// correlated features (a random mixing of fewer latent factors, so the Hessian has structure GPTQ can exploit) and a
/// few high-variance channels (activation outliers).
/// </summary>
internal static class GptqTestData
{
    public static (float[] Weight, float[] X) Linear(int rows, int cols, int tokens, int seed, int deadColumn = -1)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var w = TestWeights.Random(rows, cols, seed + 1);
        int latent = Math.Max(2, cols / 2);
        var mix = new double[latent * cols];
        for (int i = 0; i < mix.Length; i++) mix[i] = Normal();
        var gain = new double[cols];
        for (int i = 0; i < cols; i++) gain[i] = rng.NextDouble() < 0.05 ? 8 : 0.5 + rng.NextDouble();
        var x = new float[tokens * cols];
        var z = new double[latent];
        for (int t = 0; t < tokens; t++)
        {
            for (int k = 0; k < latent; k++) z[k] = Normal();
            for (int i = 0; i < cols; i++)
            {
                double s = 0.3 * Normal();
                for (int k = 0; k < latent; k++) s += z[k] * mix[k * cols + i] / Math.Sqrt(latent);
                x[t * cols + i] = i == deadColumn ? 0 : (float)(s * gain[i]);
            }
        }
        return (w, x);
    }

    /// <summary>Mean squared error of the layer output difference <c>x · (a - b)ᵀ</c> over the tokens (the product in float32 GEMM, the sum in float64).</summary>
    public static double OutputMse(float[] x, int tokens, float[] a, float[] b, int rows, int cols)
    {
        var diff = new float[rows * cols];
        for (int i = 0; i < diff.Length; i++) diff[i] = a[i] - b[i];
        var y = new float[tokens * rows];
        AwqSharp.Kernels.MatMul.MultiplyTransposed(x, diff, y, tokens, cols, rows);
        double sum = 0;
        foreach (float v in y) sum += (double)v * v;
        return sum / ((double)tokens * rows);
    }
}
