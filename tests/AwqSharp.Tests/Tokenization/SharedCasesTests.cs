using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Every case of every shared cases.jsonl: ids with and without special tokens, decode, streaming decode.</summary>
public class SharedCasesTests
{
    public static IEnumerable<object[]> Rows() => SharedTokenizers.AllCaseRows();

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void EncodeWithSpecialTokensMatchesHuggingFace(string tokenizer, string caseId)
    {
        var c = SharedTokenizers.Case(tokenizer, caseId);
        Assert.Equal(c.IdsWithSpecial, SharedTokenizers.Get(tokenizer).Encode(c.Text, addSpecialTokens: true));
    }

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void EncodeWithoutSpecialTokensMatchesHuggingFace(string tokenizer, string caseId)
    {
        var c = SharedTokenizers.Case(tokenizer, caseId);
        var t = SharedTokenizers.Get(tokenizer);
        var ids = t.Encode(c.Text, addSpecialTokens: false);
        Assert.Equal(c.IdsWithoutSpecial, ids);
        if (c.Tokens.Length > 0) Assert.Equal(c.Tokens, ids.Select(t.IdToToken).ToArray());
    }

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void DecodeMatchesHuggingFace(string tokenizer, string caseId)
    {
        var c = SharedTokenizers.Case(tokenizer, caseId);
        Assert.Equal(c.Decoded, SharedTokenizers.Get(tokenizer).Decode(c.IdsWithSpecial, skipSpecialTokens: false));
    }

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void StreamingDecodeEqualsDecode(string tokenizer, string caseId)
    {
        var c = SharedTokenizers.Case(tokenizer, caseId);
        var t = SharedTokenizers.Get(tokenizer);
        foreach (bool skip in new[] { false, true })
        {
            var stream = new StreamingDecoder(t, skip);
            string text = string.Concat(c.IdsWithSpecial.Select(stream.Push)) + stream.Flush();
            Assert.Equal(t.Decode(c.IdsWithSpecial, skip), text);
        }
        var plain = new StreamingDecoder(t, skipSpecialTokens: false);
        Assert.Equal(c.Decoded, string.Concat(c.IdsWithSpecial.Select(plain.Push)) + plain.Flush());
    }
}
