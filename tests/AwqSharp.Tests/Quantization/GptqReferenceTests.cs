using AwqSharp.Quantization;
using AwqSharp.Quantization.Gptq;

namespace AwqSharp.Tests.Quantization;

/// <summary>GPTQ against the float64 transcription of the reference (<see cref="GptqReference"/>): same H, same order, same result to rounding.</summary>
public class GptqReferenceTests
{
    [Fact]
    public void HessianMatchesTheReferenceRunningMeanWhateverTheBatching()
    {
        int cols = 37, tokens = 300;
        var (_, x) = GptqTestData.Linear(8, cols, tokens, seed: 5);
        var expected = GptqReference.Hessian(x, tokens, cols, batchRows: 64);
        var acc = new HessianAccumulator(cols);
        acc.Add(x.AsSpan(0, 100 * cols), 100);      // batches unlike the reference's
        acc.Add(x.AsSpan(100 * cols), tokens - 100);
        var h = acc.ToHessian();
        Assert.Equal(tokens, acc.Tokens);
        for (int i = 0; i < h.Length; i++)
            Assert.True(Math.Abs(h[i] - expected[i]) <= 1e-12 * Math.Abs(expected[i]) + 1e-14,
                $"H[{i / cols}, {i % cols}] = {h[i]:R}, reference {expected[i]:R}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(70)]
    [InlineData(260)] // the blocked, parallel path (d >= 256)
    public void InverseFactorEqualsTheReferencesThreeFactorizations(int cols)
    {
        int tokens = cols * 3;
        var (_, x) = GptqTestData.Linear(4, cols, tokens, seed: cols);
        var h = GptqReference.Hessian(x, tokens, cols, tokens);
        double mean = Enumerable.Range(0, cols).Average(i => h[i * cols + i]);
        for (int i = 0; i < cols; i++) h[i * cols + i] += 0.01 * mean;
        var expected = GptqReference.UpperFactorOfInverse(h, cols)!;
        var factor = InverseHessian.Compute(h, cols, new GptqOptions(PercDamp: 0), "test", degree: 2);
        double max = expected.Max(Math.Abs);
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < cols; j++)
            {
                if (j < i) { Assert.Equal(0f, factor.Transposed[j * cols + i]); continue; } // Uᵀ is lower triangular
                double want = expected[i * cols + j], got = factor.Upper(i, j);
                Assert.True(Math.Abs(got - want) <= 1e-6 * max, $"U[{i}, {j}] = {got:R}, reference {want:R}");
            }
    }

    public static TheoryData<int, int, int, bool, bool, bool> Configurations => new()
    {
        // bits, group, block, act-order, static groups, symmetric
        { 4, 32, 48, false, false, false },   // ragged last group; groups re-fitted mid-block from the stale outer W
        { 3, 32, 128, false, false, false },
        { 2, -1, 32, false, false, false },   // per-channel, several lazy blocks
        { 4, -1, 128, true, false, false },   // act-order per-channel
        { 3, 32, 40, true, false, false },    // act-order + groups => static groups
        { 4, 32, 48, false, true, false },    // static groups in natural order
        { 4, 32, 48, false, false, true },    // symmetric
        { 3, -1, 64, true, false, true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void MatchesTheFloat64Transcription(int bits, int group, int block, bool actOrder, bool staticGroups, bool symmetric)
    {
        int rows = 24, cols = 80, tokens = 400;
        var (w, x) = GptqTestData.Linear(rows, cols, tokens, seed: bits * 100 + block);
        var h = new HessianAccumulator(cols);
        h.Add(x, tokens);
        var hessian = h.ToHessian();
        // Our formats have no g_idx: act-order with groups runs with static groups (documented), so the reference runs so too.
        bool referenceStatic = staticGroups || (actOrder && group != -1);
        var expected = GptqReference.FasterQuant(w, rows, cols, hessian, bits, group, symmetric, 0.01, block, actOrder, referenceStatic);
        var result = GptqQuantizer.Quantize(w, rows, cols, hessian, new QuantizationOptions(bits, group, ZeroPoint: !symmetric),
            new GptqOptions(BlockSize: block, ActOrder: actOrder, StaticGroups: staticGroups));
        var q = result.Weight;
        Assert.Equal(expected.GroupSize, q.GroupSize);
        int mismatches = 0;
        for (int i = 0; i < q.Codes.Length; i++) if (q.Codes[i] != expected.Codes[i]) mismatches++;
        Assert.True(mismatches == 0, $"{mismatches} of {q.Codes.Length} codes differ from the float64 transcription");
        for (int i = 0; i < q.Scales.Length; i++)
        {
            Assert.True(Math.Abs(q.Scales[i] - expected.Scales[i]) <= 1e-5 * expected.Scales[i], $"scale {i}: {q.Scales[i]} vs {expected.Scales[i]}");
            Assert.Equal(expected.Zeros[i], q.Zeros[i]);
        }
        Assert.Equal(expected.Loss, result.Loss, expected.Loss * 1e-4);
        Assert.Equal(actOrder, result.Permutation is not null);
    }
}
