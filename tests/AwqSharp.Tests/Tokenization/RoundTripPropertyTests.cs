using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;
using AwqSharp.Tokenization.Unicode;
using CsCheck;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// Byte-level BPE is lossless: decode(encode(s)) gives s back, up to what HuggingFace itself changes on
/// purpose (clean-up of " ." etc. for Llama-3 and GPT-2, NFC for Qwen). Streaming decode agrees with decode.
/// </summary>
public class RoundTripPropertyTests
{
    [SharedFact("data/tokenizers/llama-3-8b-instruct/tokenizer.json")]
    public void Llama3RoundTripsRandomUnicode() => RoundTrip("llama-3-8b-instruct", DecodingPipeline.CleanUpTokenization);

    [SharedFact("data/tokenizers/gpt2/tokenizer.json")]
    public void Gpt2RoundTripsRandomUnicode() => RoundTrip("gpt2", DecodingPipeline.CleanUpTokenization);

    [SharedFact("data/tokenizers/qwen3/tokenizer.json")]
    public void Qwen3RoundTripsRandomUnicodeUpToNfc() => RoundTrip("qwen3", UnicodeNormalization.ToNfc);

    [SharedFact("data/tokenizers/llama-3-8b-instruct/tokenizer.json")]
    public void Llama3RoundTripIsExactWithoutCleanUp()
    {
        var t = SharedTokenizers.Get("llama-3-8b-instruct");
        var raw = new DecodingPipeline(t.Model, [], null, t.Decoding.Decoder, cleanUp: false);
        TextGen.Text.Sample(s => Assert.Equal(s, raw.Decode(t.Encode(s, addSpecialTokens: false), false)), iter: 300);
    }

    private static void RoundTrip(string name, Func<string, string> expected)
    {
        var t = SharedTokenizers.Get(name);
        TextGen.Text.Sample(s =>
        {
            int[] ids = t.Encode(s, addSpecialTokens: false);
            Assert.Equal(expected(s), t.Decode(ids));
            var stream = new StreamingDecoder(t, skipSpecialTokens: false);
            Assert.Equal(t.Decode(ids), string.Concat(ids.Select(stream.Push)) + stream.Flush());
        }, iter: 300);
    }
}
