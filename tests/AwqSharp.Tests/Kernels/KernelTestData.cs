using AwqSharp.Kernels;

namespace AwqSharp.Tests.Kernels;

/// <summary>Random inputs, the instruction-set paths this CPU runs, and the error measure the kernel tests use.</summary>
public static class KernelTestData
{
    /// <summary>Every <see cref="KernelIsa"/> path this CPU supports, by name (xunit member data).</summary>
    public static TheoryData<string> SupportedIsas()
    {
        var data = new TheoryData<string>();
        foreach (var isa in KernelIsaSelector.Supported) data.Add(isa.ToString());
        return data;
    }

    internal static KernelIsa Isa(string name) => Enum.Parse<KernelIsa>(name);

    /// <summary>Uniform values in <c>[-scale, scale)</c> from a seeded generator.</summary>
    public static float[] Uniform(int seed, long length, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (long i = 0; i < length; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    /// <summary>
    /// Normwise relative error <c>max_i |actual[i] − expected[i]| / max_i |expected[i]|</c> (0 when both are all
    /// zero). The denominator is the largest reference magnitude, so cancellation in single elements of a
    /// product does not inflate the measure; every kernel test bounds it by <see cref="Tolerance"/>.
    /// </summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (!double.IsFinite(actual[i])) return double.PositiveInfinity;
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    /// <summary>The accuracy every float32 kernel must reach against its float64 reference.</summary>
    public const double Tolerance = 1e-5;

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, string what)
    {
        double err = RelativeError(actual, expected);
        Assert.True(err <= Tolerance, $"{what}: relative error {err:E2} > {Tolerance:E0}");
    }

    /// <summary>Bitwise comparison (NaN payloads and the sign of zero included).</summary>
    public static void AssertBitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: {expected[i]:R} vs {actual[i]:R}");
        }
    }
}
