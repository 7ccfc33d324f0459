using AwqSharp.Tests.Infrastructure;
using CsCheck;
using Microsoft.ML.Tokenizers;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// Independent cross-check: on text without special-token strings, Llama-2's legacy tokenizer.json agrees
/// with SentencePiece itself (see the shared README); Microsoft.ML.Tokenizers' LlamaTokenizer reads the same
/// SentencePiece model, so both must give the same ids on random text. Except on ties: for a run such as
/// "......" HuggingFace and SentencePiece merge the leftmost equal pair first ("▁....", "..") while
/// LlamaTokenizer 2.0.1 does not ("▁..", "...."); so the text here never repeats a character twice in a row.
/// </summary>
public class SentencePieceCrossCheckTests
{
    private const string Model = "data/tokenizers/llama-2-7b-chat-hf/tokenizer.model";

    [SharedFact(Model)]
    public void Llama2AgreesWithMicrosoftMlLlamaTokenizer()
    {
        using var stream = File.OpenRead(SharedData.Require(Model));
        var reference = LlamaTokenizer.Create(stream, addBeginOfSentence: true, addEndOfSentence: false);
        var t = SharedTokenizers.Get("llama-2-7b-chat-hf");
        TextGen.TextWithoutMarkup.Sample(s =>
        {
            if (s.Length == 0 || HasDoubledChar(s)) return;
            Assert.Equal(reference.EncodeToIds(s).ToArray(), t.Encode(s));
        }, iter: 500);
    }

    private static bool HasDoubledChar(string s)
    {
        for (int i = 1; i < s.Length; i++)
            if (s[i] == s[i - 1] || (s[i] == ' ' && s[i - 1] == '\u2581') || (s[i] == '\u2581' && s[i - 1] == ' ')) return true;
        return false;
    }

    [SharedFact(Model)]
    public void TiesAreBrokenLeftmostFirstAsHuggingFaceDoes()
    {
        // HuggingFace tokenizers 0.23.2 gives ["▁....", ".."] for "......" (and ["▁LL", "....", ".."] for "LL......").
        var t = SharedTokenizers.Get("llama-2-7b-chat-hf");
        Assert.Equal([13035, 636], t.Encode("......", addSpecialTokens: false));
        Assert.Equal([27624, 3045, 636], t.Encode("LL......", addSpecialTokens: false));
    }
}
