using AwqSharp.Runtime;

namespace AwqSharp.Tests.Runtime;

public class SamplerTests
{
    private static float[] Logits() => [1f, 3f, 2f, 0.5f, 2.9f];

    [Fact]
    public void GreedyPicksTheArgmax() => Assert.Equal(1, new Sampler(SamplingOptions.Greedy).Sample(Logits()));

    [Fact]
    public void TopKOneIsGreedyWhateverTheSeed()
    {
        for (ulong seed = 1; seed < 20; seed++)
            Assert.Equal(1, new Sampler(new SamplingOptions { TopK = 1, Seed = seed, Temperature = 5 }).Sample(Logits()));
    }

    [Fact]
    public void SameSeedSameTokensDifferentSeedsDiffer()
    {
        int[] Draw(ulong seed) { var s = new Sampler(new SamplingOptions { Temperature = 1, Seed = seed }); return Enumerable.Range(0, 50).Select(_ => s.Sample(Logits())).ToArray(); }
        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void FrequenciesFollowTheSoftmax()
    {
        var s = new Sampler(new SamplingOptions { Temperature = 1, Seed = 3 });
        var logits = Logits();
        var counts = new int[logits.Length];
        const int n = 40000;
        for (int i = 0; i < n; i++) counts[s.Sample((float[])logits.Clone())]++;
        double z = logits.Sum(l => Math.Exp(l));
        for (int i = 0; i < logits.Length; i++)
        {
            double p = Math.Exp(logits[i]) / z;
            Assert.InRange(counts[i] / (double)n, p - 0.01, p + 0.01);
        }
    }

    [Fact]
    public void TopPAndMinPKeepOnlyTheHead()
    {
        // p ∝ e^3, e^2.9 are ~0.37 and ~0.34 of the mass: top_p 0.5 keeps exactly those two.
        var s = new Sampler(new SamplingOptions { Temperature = 1, TopP = 0.5f, Seed = 1 });
        var seen = Enumerable.Range(0, 500).Select(_ => s.Sample(Logits())).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 4 }, seen);
        var m = new Sampler(new SamplingOptions { Temperature = 1, MinP = 0.3f, Seed = 1 }); // keeps p >= 0.3 * pmax: ids 1 (1), 4 (0.90), 2 (0.37)
        Assert.Equal(new HashSet<int> { 1, 2, 4 }, Enumerable.Range(0, 1000).Select(_ => m.Sample(Logits())).ToHashSet());
    }

    [Fact]
    public void RepetitionPenaltyDemotesSeenTokens()
    {
        var s = new Sampler(SamplingOptions.Greedy with { RepetitionPenalty = 2f });
        Assert.Equal(4, s.Sample(Logits(), [1])); // 3/2 = 1.5 < 2.9
    }

    [Fact]
    public void InvalidOptionsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { TopP = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { Temperature = -1 }));
    }
}
