namespace AwqSharp.Tests.Quantization;

/// <summary>Deterministic random weights shaped like real linears (a few large outliers per row).</summary>
internal static class TestWeights
{
    public static float[] Random(int rows, int cols, int seed, float outlierFraction = 0.01f)
    {
        var rng = new Random(seed);
        var w = new float[rows * cols];
        for (int i = 0; i < w.Length; i++)
        {
            // Box-Muller normal, std 0.02 as in Llama initialisation, plus rare outliers.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            float v = (float)(0.02 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            if (rng.NextDouble() < outlierFraction) v *= 20;
            w[i] = v;
        }
        return w;
    }

    /// <summary>The same weights rounded to float16 (what a fp16 model stores).</summary>
    public static float[] ToHalfPrecision(float[] w) => w.Select(v => (float)(Half)v).ToArray();
}
