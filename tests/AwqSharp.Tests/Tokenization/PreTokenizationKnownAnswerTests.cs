using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Pre-tokens of the Llama-3, Qwen3 and GPT-2 pre-tokenizers equal HuggingFace's on random strings, astral characters included.</summary>
public class PreTokenizationKnownAnswerTests
{
    public static IEnumerable<object[]> Rows() =>
        PreTokenizationCases.All.Select((c, i) => new object[] { c.Tokenizer, i });

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void PreTokensMatchHuggingFace(string tokenizer, int index)
    {
        var c = PreTokenizationCases.All[index];
        Assert.Equal(c.PreTokens, SharedTokenizers.Get(tokenizer).Encoder.PreTokens(c.Input));
    }
}
