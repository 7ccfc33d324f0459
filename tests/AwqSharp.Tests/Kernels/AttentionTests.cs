using AwqSharp.Kernels;

namespace AwqSharp.Tests.Kernels;

public class AttentionTests
{
    /// <summary>(tq, startPos, nHeads, nKvHeads, headDim): decode and prefill, MHA/GQA/MQA, odd head sizes, several query blocks.</summary>
    public static TheoryData<int, int, int, int, int, string> Cases()
    {
        int[][] shapes =
        [
            [1, 0, 1, 1, 4], [1, 37, 4, 2, 8], [5, 0, 2, 2, 16], [7, 3, 6, 2, 20], [40, 10, 4, 1, 64],
            [3, 100, 8, 8, 128], [33, 0, 2, 1, 17], [1, 300, 8, 2, 64], [70, 0, 4, 4, 48],
        ];
        var data = new TheoryData<int, int, int, int, int, string>();
        foreach (var s in shapes)
            foreach (var isa in KernelIsaSelector.Supported)
                data.Add(s[0], s[1], s[2], s[3], s[4], isa.ToString());
        return data;
    }

    private static (float[] Q, float[] K, float[] V) Inputs(int tq, int startPos, int nHeads, int nKvHeads, int headDim, int seed)
    {
        int positions = startPos + tq;
        // Scale 3 gives peaked softmaxes; the cache has 5 spare rows past the valid ones, which must be ignored.
        var q = KernelTestData.Uniform(seed, (long)tq * nHeads * headDim, 3f);
        var k = KernelTestData.Uniform(seed + 1, (long)(positions + 5) * nKvHeads * headDim, 3f);
        var v = KernelTestData.Uniform(seed + 2, (long)(positions + 5) * nKvHeads * headDim);
        return (q, k, v);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(int tq, int startPos, int nHeads, int nKvHeads, int headDim, string isaName)
    {
        var isa = KernelTestData.Isa(isaName);
        var (q, k, v) = Inputs(tq, startPos, nHeads, nKvHeads, headDim, seed: tq + startPos + headDim);
        // Spare cache rows hold huge values: reading them would show.
        int validKv = (startPos + tq) * nKvHeads * headDim;
        Array.Fill(k, 1e30f, validKv, k.Length - validKv);
        Array.Fill(v, 1e30f, validKv, v.Length - validKv);
        var output = new float[tq * nHeads * headDim];
        Array.Fill(output, float.NaN);
        Attention.CausalSelfAttentionCore(q, k, v, output, tq, startPos, nHeads, nKvHeads, headDim, isa, degree: 2);
        var expected = Float64Reference.CausalSelfAttention(q, k, v, tq, startPos, nHeads, nKvHeads, headDim);
        KernelTestData.AssertClose(output, expected, $"{isa} tq={tq} start={startPos} heads={nHeads}/{nKvHeads} dim={headDim}");
    }

    [Theory]
    [MemberData(nameof(KernelTestData.SupportedIsas), MemberType = typeof(KernelTestData))]
    public void ResultIsBitwiseIdenticalForOneTwoAndThreeThreads(string isaName)
    {
        var isa = KernelTestData.Isa(isaName);
        const int tq = 70, startPos = 9, nHeads = 6, nKv = 2, headDim = 40;
        var (q, k, v) = Inputs(tq, startPos, nHeads, nKv, headDim, seed: 99);
        var one = new float[tq * nHeads * headDim];
        Attention.CausalSelfAttentionCore(q, k, v, one, tq, startPos, nHeads, nKv, headDim, isa, degree: 1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = new float[one.Length];
            Attention.CausalSelfAttentionCore(q, k, v, many, tq, startPos, nHeads, nKv, headDim, isa, degree: threads);
            KernelTestData.AssertBitwiseEqual(one, many, $"{isa}: 1 vs {threads} threads");
        }
    }

    [Fact]
    public void DecodingOneTokenAtATimeEqualsPrefill()
    {
        // With a KV cache, decoding position t alone must give exactly what a prefill gives for row t.
        const int tq = 45, nHeads = 4, nKv = 2, headDim = 32;
        var (q, k, v) = Inputs(tq, 0, nHeads, nKv, headDim, seed: 5);
        int ld = nHeads * headDim;
        var prefill = new float[tq * ld];
        Attention.CausalSelfAttention(q, k, v, prefill, tq, 0, nHeads, nKv, headDim);
        for (int t = 0; t < tq; t++)
        {
            var step = new float[ld];
            Attention.CausalSelfAttention(q.AsSpan(t * ld, ld), k, v, step, 1, t, nHeads, nKv, headDim);
            KernelTestData.AssertBitwiseEqual(prefill.AsSpan(t * ld, ld), step, $"position {t}");
        }
    }

    [Fact]
    public void FirstPositionReturnsItsOwnValue()
    {
        // Position 0 sees only itself: softmax of one score is 1, so the output is v[0] of the head's kv group.
        const int nHeads = 4, nKv = 2, headDim = 8;
        var (q, k, v) = Inputs(1, 0, nHeads, nKv, headDim, seed: 17);
        var output = new float[nHeads * headDim];
        Attention.CausalSelfAttention(q, k, v, output, 1, 0, nHeads, nKv, headDim);
        for (int h = 0; h < nHeads; h++)
            Assert.Equal(v.AsSpan(h / 2 * headDim, headDim).ToArray(), output.AsSpan(h * headDim, headDim).ToArray());
    }

    [Fact]
    public void RejectsBadShapes()
    {
        var big = new float[4096];
        Assert.Throws<ArgumentException>("nKvHeads", () => Attention.CausalSelfAttention(big, big, big, big, 1, 0, 6, 4, 8));
        Assert.Throws<ArgumentOutOfRangeException>("headDim", () => Attention.CausalSelfAttention(big, big, big, big, 1, 0, 4, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>("startPos", () => Attention.CausalSelfAttention(big, big, big, big, 1, -1, 4, 2, 8));
        Assert.Throws<ArgumentException>("q", () => Attention.CausalSelfAttention(new float[31], big, big, big, 1, 0, 4, 2, 8));
        Assert.Throws<ArgumentException>("keyCache", () => Attention.CausalSelfAttention(big, new float[16 * 11 - 1], big, big, 1, 10, 4, 2, 8));
        Assert.Throws<ArgumentException>("valueCache", () => Attention.CausalSelfAttention(big, big, new float[16 * 11 - 1], big, 1, 10, 4, 2, 8));
        Assert.Throws<ArgumentException>("output", () => Attention.CausalSelfAttention(big, big, big, new float[31], 1, 0, 4, 2, 8));
    }
}
