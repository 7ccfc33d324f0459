using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// HuggingFace's answers on random strings mixing special-token strings of every family, contractions, odd
/// whitespace, astral and combining characters (scripts/tokenizer-bench/random-cases.mjs): ids with and
/// without special tokens, decode with and without skipping special tokens, and streaming decode.
/// </summary>
public class RandomCasesTests
{
    public static IEnumerable<object[]> Rows() => RandomCases.All.Select((c, i) => new object[] { c.Tokenizer, i });

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void MatchesHuggingFace(string tokenizer, int index)
    {
        var c = RandomCases.All[index];
        var t = SharedTokenizers.Get(tokenizer);
        Assert.Equal(c.IdsWithSpecial, t.Encode(c.Text));
        Assert.Equal(c.IdsWithoutSpecial, t.Encode(c.Text, addSpecialTokens: false));
        Assert.Equal(c.Decoded, t.Decode(c.IdsWithSpecial));
        Assert.Equal(c.DecodedSkippingSpecial, t.Decode(c.IdsWithSpecial, skipSpecialTokens: true));
        var stream = new StreamingDecoder(t);
        Assert.Equal(c.DecodedSkippingSpecial, string.Concat(c.IdsWithSpecial.Select(stream.Push)) + stream.Flush());
    }
}
