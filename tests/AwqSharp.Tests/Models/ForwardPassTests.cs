using System.Text.Json.Nodes;
using AwqSharp.Models;
using AwqSharp.Runtime;

namespace AwqSharp.Tests.Models;

public class ForwardPassTests
{
    public static TheoryData<string> Configs => new() { "llama-gqa", "qwen2-bias", "llama3-rope-odd", "mha-linear-rope", "tied-odd-heads" };

    internal static ModelConfig Make(string name) => name switch
    {
        "llama-gqa" => SyntheticModel.Config(hidden: 64, intermediate: 172, layers: 2, heads: 8, kvHeads: 4, vocab: 97),
        "qwen2-bias" => SyntheticModel.Config(hidden: 48, intermediate: 100, layers: 2, heads: 6, kvHeads: 2, vocab: 61, architecture: "Qwen2ForCausalLM", ropeTheta: 1e6),
        "llama3-rope-odd" => SyntheticModel.Config(hidden: 40, intermediate: 65, layers: 1, heads: 4, kvHeads: 1, vocab: 33, ropeTheta: 500000,
            ropeScaling: new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 16 }),
        "mha-linear-rope" => SyntheticModel.Config(hidden: 32, intermediate: 17, layers: 1, heads: 2, kvHeads: 2, vocab: 29,
            ropeScaling: new JsonObject { ["type"] = "linear", ["factor"] = 2.5 }),
        "tied-odd-heads" => SyntheticModel.Config(hidden: 30, intermediate: 47, layers: 2, heads: 3, kvHeads: 1, vocab: 41, tie: true),
        _ => throw new ArgumentException(name),
    };

    private static int[] Tokens(int n, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => rng.Next(vocab)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void BlockMatchesFloat64Reference(string name)
    {
        var model = SyntheticModel.Create(Make(name), seed: 3);
        var c = model.Config;
        var tokens = Tokens(13, c.VocabSize, 1);
        var reference = new ReferenceLlama(model);
        var x64 = reference.Embed(tokens);
        var x = x64.Select(v => (float)v).ToArray();
        var cache = new KvCache(1, c.KvDim, tokens.Length);
        TransformerBlock.Forward(c, model.Weights.Layers[0], 0, 0, model.Rope, x, [new SequenceSlice(0, tokens.Length, cache)]);
        var expected = reference.Block(0, x64, tokens.Length);
        Assert.True(ReferenceLlama.RelativeError(x, expected) <= 1e-5, $"relative error {ReferenceLlama.RelativeError(x, expected):E2}");
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void WholeModelLogitsMatchFloat64Reference(string name)
    {
        var model = SyntheticModel.Create(Make(name), seed: 5);
        var tokens = Tokens(11, model.Config.VocabSize, 2);
        var logits = model.ForwardAll(tokens);
        var expected = new ReferenceLlama(model).Logits(tokens);
        double err = ReferenceLlama.RelativeError(logits, expected);
        Assert.True(err <= 1e-5, $"relative error {err:E2}");
    }

    [Fact]
    public void IncrementalDecodingWithCacheEqualsFullForward()
    {
        var model = SyntheticModel.Create(Make("llama-gqa"), seed: 7);
        var tokens = Tokens(20, model.Config.VocabSize, 3);
        var full = model.ForwardAll(tokens);
        var cache = model.CreateCache(32);
        int v = model.Config.VocabSize;
        var prefix = model.ForwardLast(tokens[..12], cache);
        AssertClose(full.AsSpan(11 * v, v), prefix);
        for (int t = 12; t < tokens.Length; t++)
        {
            var step = model.ForwardLast([tokens[t]], cache);
            AssertClose(full.AsSpan(t * v, v), step);
        }
        Assert.Equal(tokens.Length, cache.Length);
    }

    [Fact]
    public void BatchedSequencesMatchSeparateRuns()
    {
        var model = SyntheticModel.Create(Make("qwen2-bias"), seed: 9);
        int h = model.Config.HiddenSize;
        var a = Tokens(9, model.Config.VocabSize, 4);
        var b = Tokens(5, model.Config.VocabSize, 5);
        var batched = model.ForwardHidden([a, b], [model.CreateCache(16), model.CreateCache(16)]);
        var alone = model.ForwardHidden([b], [model.CreateCache(16)]);
        AssertClose(alone, batched.AsSpan(a.Length * h, b.Length * h));
    }

    [Fact]
    public void CacheOverflowAndBadTokensAreClearErrors()
    {
        var model = SyntheticModel.Create(Make("mha-linear-rope"), seed: 1);
        var cache = model.CreateCache(4);
        Assert.Contains("context", Assert.Throws<AwqException>(() => model.ForwardLast([1, 2, 3, 4, 5], cache)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardLast([model.Config.VocabSize], model.CreateCache(4)));
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0, err = 0;
        for (int i = 0; i < expected.Length; i++) { max = Math.Max(max, Math.Abs(expected[i])); err = Math.Max(err, Math.Abs(expected[i] - actual[i])); }
        Assert.True(err <= 1e-5f * max, $"max abs diff {err} vs scale {max}");
    }
}
