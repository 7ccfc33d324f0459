using AwqSharp.Evaluation;
using AwqSharp.Models;
using AwqSharp.Tests.Models;

namespace AwqSharp.Tests.Evaluation;

public class PerplexityTests
{
    [Fact]
    public void MatchesFloat64ReferenceOverWindows()
    {
        var model = SyntheticModel.Create(ForwardPassTests.Make("llama-gqa"), seed: 11);
        var rng = new Random(3);
        var tokens = Enumerable.Range(0, 3 * 10 + 4).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        var result = Perplexity.Evaluate(model, tokens, new PerplexityOptions(SeqLen: 10, BatchTokens: 20));
        Assert.Equal(3, result.Windows);
        Assert.Equal(30, result.Tokens);
        Assert.Equal(27, result.PredictedTokens);

        var reference = new ReferenceLlama(model);
        double nll = 0;
        int v = model.Config.VocabSize;
        for (int w = 0; w < 3; w++)
        {
            var window = tokens[(w * 10)..(w * 10 + 10)];
            var logits = reference.Logits(window);
            for (int t = 0; t < 9; t++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < v; j++) max = Math.Max(max, logits[t * v + j]);
                for (int j = 0; j < v; j++) sum += Math.Exp(logits[t * v + j] - max);
                nll += Math.Log(sum) + max - logits[t * v + window[t + 1]];
            }
        }
        double expected = Math.Exp(nll / 27);
        Assert.Equal(expected, result.Perplexity, expected * 1e-5);
    }

    [Fact]
    public void BatchingAndWindowLimitDoNotChangeTheNumbers()
    {
        var model = SyntheticModel.Create(ForwardPassTests.Make("qwen2-bias"), seed: 2);
        var rng = new Random(5);
        var tokens = Enumerable.Range(0, 64).Select(_ => rng.Next(model.Config.VocabSize)).ToArray();
        var one = Perplexity.Evaluate(model, tokens, new PerplexityOptions(SeqLen: 16, BatchTokens: 16));
        var four = Perplexity.Evaluate(model, tokens, new PerplexityOptions(SeqLen: 16, BatchTokens: 64));
        Assert.Equal(one.Perplexity, four.Perplexity, one.Perplexity * 1e-6);
        var first = Perplexity.Evaluate(model, tokens, new PerplexityOptions(SeqLen: 16, MaxWindows: 1));
        Assert.Equal(1, first.Windows);
    }

    [Fact]
    public void UniformLogitsGiveVocabularySizedPerplexity()
    {
        var logits = new float[50];
        Assert.Equal(Math.Log(50), Perplexity.NegativeLogLikelihood(logits, 7), 1e-6); // vectorized exp is accurate to ~1 ulp of float
    }

    [Fact]
    public void TooShortTextIsAClearError()
    {
        var model = SyntheticModel.Create(ForwardPassTests.Make("mha-linear-rope"), seed: 2);
        var ex = Assert.Throws<AwqException>(() => Perplexity.Evaluate(model, new int[5], new PerplexityOptions(SeqLen: 16)));
        Assert.Contains("fewer than one window", ex.Message);
    }
}
