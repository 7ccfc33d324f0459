using AwqSharp.Kernels.Int4;
using AwqSharp.Quantization;

namespace AwqSharp.Tests.Kernels;

/// <summary>Random 4-bit weights and activations, a float64 reference product, and the error bound the INT4 kernels must meet.</summary>
internal static class Int4TestData
{
    /// <summary>Random codes and zero points in 0..15; scales in [0.002, 0.05), exactly fp16-representable unless <paramref name="halfScales"/> is false.</summary>
    public static QuantizedWeight Weight(int outFeatures, int inFeatures, int groupSize, int seed, bool halfScales = true)
    {
        var rng = new Random(seed);
        int groups = (inFeatures + groupSize - 1) / groupSize;
        var codes = new byte[outFeatures * inFeatures];
        var scales = new float[outFeatures * groups];
        var zeros = new byte[outFeatures * groups];
        for (int i = 0; i < codes.Length; i++) codes[i] = (byte)rng.Next(16);
        for (int i = 0; i < zeros.Length; i++) zeros[i] = (byte)rng.Next(16);
        for (int i = 0; i < scales.Length; i++)
        {
            float s = 0.002f + 0.048f * rng.NextSingle();
            scales[i] = halfScales ? (float)(Half)s : s;
        }
        return new QuantizedWeight(outFeatures, inFeatures, 4, groupSize, codes, scales, zeros);
    }

    /// <summary>Gaussian-ish activations with a few large outlier channels (as real LLM activations have).</summary>
    public static float[] Activations(int m, int k, int seed)
    {
        var rng = new Random(seed);
        var x = new float[m * k];
        for (int i = 0; i < x.Length; i++)
        {
            float v = (rng.NextSingle() + rng.NextSingle() + rng.NextSingle() - 1.5f) * 2f;
            if (i % k % 37 == 5) v *= 20f; // outlier channels
            x[i] = v;
        }
        return x;
    }

    /// <summary>
    /// Asserts y[i, o] is within <paramref name="relTol"/> · Σ_k |W[o,k] · x[i,k]| (+ |bias|) of the float64
    /// product of the dequantized weight: the natural scale of rounding error in a float32 dot product.
    /// </summary>
    public static void AssertMatchesReference(string context, float[] w, float[] x, float[] y, int m, int outFeatures, int inFeatures, float[]? bias = null, double relTol = 1e-5)
    {
        for (int i = 0; i < m; i++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double exact = bias is null ? 0 : bias[o], magnitude = bias is null ? 0 : Math.Abs(bias[o]);
                for (int k = 0; k < inFeatures; k++)
                {
                    double p = (double)w[(long)o * inFeatures + k] * x[(long)i * inFeatures + k];
                    exact += p;
                    magnitude += Math.Abs(p);
                }
                double err = Math.Abs(y[(long)i * outFeatures + o] - exact);
                Assert.True(err <= relTol * magnitude + 1e-30,
                    $"{context}: y[{i},{o}] = {y[(long)i * outFeatures + o]:R}, float64 reference {exact:R}: error {err:E3} > {relTol:E0} x {magnitude:E3}");
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> with the INT4 path and thread count forced, restoring the automatic choice afterwards.</summary>
    public static void With(Int4Isa isa, int threads, Action action)
    {
        var (oldIsa, oldThreads) = (Int4Kernels.ForceIsa, Int4Kernels.ForceThreads);
        Int4Kernels.ForceIsa = isa;
        Int4Kernels.ForceThreads = threads;
        try { action(); }
        finally { Int4Kernels.ForceIsa = oldIsa; Int4Kernels.ForceThreads = oldThreads; }
    }

    /// <summary>Every path this CPU supports, as theory data.</summary>
    public static TheoryData<Int4Isa> SupportedPaths(Int4Isa? except = null)
    {
        var data = new TheoryData<Int4Isa>();
        foreach (var isa in Int4Kernels.SupportedPaths.Where(i => i != except)) data.Add(isa);
        return data;
    }
}
