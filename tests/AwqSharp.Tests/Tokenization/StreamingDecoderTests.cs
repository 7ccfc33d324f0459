using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;
using CsCheck;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// Streaming decode equals decode for any id sequence (random ids: byte tokens that never complete a
/// character, specials, unknown ids, clean-up patterns), and holds back unfinished characters.
/// </summary>
public class StreamingDecoderTests
{
    public static TheoryData<string> Names => new(SharedTokenizers.WithCases);

    /// <summary>Ids biased toward the low ids (byte tokens, specials) and the added tokens at the end.</summary>
    private static Gen<int[]> Ids(TextTokenizer t) => Gen.Frequency(
            (6, Gen.Int[0, 300]),
            (3, Gen.Int[0, t.VocabSize - 1]),
            (1, Gen.Int[Math.Max(0, t.VocabSize - 300), t.VocabSize + 5]))
        .Array[0, 30];

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Names))]
    public void ConcatenatedPushesEqualDecodeForRandomIds(string name)
    {
        var t = SharedTokenizers.Get(name);
        Ids(t).Sample(ids =>
        {
            foreach (bool skip in new[] { true, false })
            {
                var stream = new StreamingDecoder(t, skip);
                string streamed = string.Concat(ids.Select(stream.Push)) + stream.Flush();
                Assert.Equal(t.Decode(ids, skip), streamed);
            }
        }, iter: 400);
    }

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Names))]
    public void ConcatenatedPushesEqualDecodeForEncodedText(string name)
    {
        var t = SharedTokenizers.Get(name);
        TextGen.Text.Sample(s =>
        {
            int[] ids = t.Encode(s);
            var stream = new StreamingDecoder(t, skipSpecialTokens: true);
            Assert.Equal(t.Decode(ids, skipSpecialTokens: true), string.Concat(ids.Select(stream.Push)) + stream.Flush());
        }, iter: 200);
    }

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer.json")]
    public void ByteFallbackCharacterAppearsWhenComplete()
    {
        var t = SharedTokenizers.Get("llama-2-7b-chat-hf");
        int[] ids = t.Encode("Hi 😀!", addSpecialTokens: false); // "▁Hi", "▁", 4 byte tokens, "!"
        var stream = new StreamingDecoder(t);
        var pieces = ids.Select(stream.Push).ToList();
        pieces.Add(stream.Flush());
        Assert.Equal("Hi", pieces[0]); // leading SentencePiece space removed at the start of the text
        Assert.Equal("Hi 😀!", string.Concat(pieces));
        int firstByte = Array.FindIndex(ids, id => t.IdToToken(id).StartsWith("<0x", StringComparison.Ordinal));
        Assert.All(pieces.Skip(firstByte).Take(4), p => Assert.DoesNotContain('\uFFFD', p));
    }

    [SharedFact("data/tokenizers/llama-3-8b-instruct/tokenizer.json")]
    public void ByteLevelHoldsBackIncompleteUtf8()
    {
        var t = SharedTokenizers.Get("llama-3-8b-instruct");
        // U+1F600 as four single-byte tokens: F0 9F 98 80 in GPT-2's alphabet.
        int[] ids = "ðŁĺĢ".Select(c => t.TokenToId(c.ToString())!.Value).ToArray();
        var stream = new StreamingDecoder(t);
        Assert.Equal(["", "", "", "😀"], ids.Select(stream.Push).ToArray());
        Assert.Equal("", stream.Flush());
    }

    [SharedFact("data/tokenizers/gpt2/tokenizer.json")]
    public void CleanUpIsAppliedAcrossPushes()
    {
        var t = SharedTokenizers.Get("gpt2");
        int[] ids = t.Encode("Hello , world . I 'm here", addSpecialTokens: false);
        var stream = new StreamingDecoder(t);
        string streamed = string.Concat(ids.Select(stream.Push)) + stream.Flush();
        Assert.Equal("Hello, world. I'm here", streamed);
        Assert.Equal(t.Decode(ids), streamed);
    }
}
