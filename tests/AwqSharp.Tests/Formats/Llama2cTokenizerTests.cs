using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Tests.Infrastructure;
using static AwqSharp.Tests.Formats.Llama2cTestFiles;

namespace AwqSharp.Tests.Formats;

public class Llama2cTokenizerTests
{
    private const string Llama2TokenizerJson = "data/tokenizers/llama-2-7b-chat-hf/tokenizer.json";

    [SharedFact(StoriesTokenizer)]
    public void Tok512ReadsAsPublished()
    {
        var v = Llama2cVocabulary.Read(SharedData.Require(StoriesTokenizer));
        Assert.Equal(512, v.Count);
        Assert.Equal(7, v.MaxTokenLength);
        Assert.Equal(["<unk>", "\n<s>\n", "\n</s>\n", "<0x00>"], v.Pieces.Take(4));
        Assert.Equal("<0xFF>", v.Pieces[258]);
        Assert.Equal(" t", v.Pieces[259]);
        Assert.Equal(0f, v.Scores[259]);
        Assert.Equal(-1f, v.Scores[260]);
        Assert.Equal(-252f, v.Scores[511]);
    }

    [SharedFact(StoriesTokenizer)]
    public void HuggingFacePiecesUseTheSentencePieceSpelling()
    {
        var path = SharedData.Require(StoriesTokenizer);
        var pieces = Llama2cTokenizerConverter.ToHuggingFacePieces(Llama2cVocabulary.Read(path), path);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>", "<0x01>"], pieces.Take(5));
        Assert.Equal("<0x0A>", pieces[3 + 10]);
        Assert.Equal(["▁t", "he", "▁a"], pieces.Skip(259).Take(3));
        Assert.DoesNotContain(pieces, p => p.Contains(' '));
    }

    [Fact]
    public void NonLlamaLayoutsAreUnsupported()
    {
        using var dir = new TempDir();
        var path = dir.File("tok.bin");
        var bytes = Tokenizer(SmallPieces());
        int firstByteToken = 4 + (8 + 5) + (8 + 5) + (8 + 6);    // header, <unk>, \n<s>\n, \n</s>\n
        bytes[firstByteToken + 8 + 4] = (byte)'7';                // "<0x00>" -> "<0x07>"
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<UnsupportedModelException>(() => Llama2cTokenizerConverter.ToHuggingFacePieces(Llama2cVocabulary.Read(path), path));
        Assert.Contains(path, e.Message);
        Assert.Contains("token 3", e.Message);

        File.WriteAllBytes(path, Tokenizer(SmallPieces()).AsSpan(0, 4 + 13 + 13 + 14 + 100 * 14).ToArray()); // 103 tokens
        e = Assert.Throws<UnsupportedModelException>(() => Llama2cTokenizerConverter.ToHuggingFacePieces(Llama2cVocabulary.Read(path), path));
        Assert.Contains("103 tokens", e.Message);
    }

    [Fact]
    public void DuplicatePiecesAreInvalid()
    {
        using var dir = new TempDir();
        var path = dir.File("tok.bin");
        File.WriteAllBytes(path, Tokenizer([" a", "b", " a"]));
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cTokenizerConverter.ToHuggingFacePieces(Llama2cVocabulary.Read(path), path));
        Assert.Contains("tokens 259 and 261", e.Message);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("max-length-zero")]
    [InlineData("cut-in-score")]
    [InlineData("cut-in-bytes")]
    [InlineData("length-over-max")]
    [InlineData("length-zero")]
    [InlineData("length-negative")]
    [InlineData("nan-score")]
    [InlineData("not-utf8")]
    public void BadTokenizerFilesAreNamed(string defect)
    {
        using var dir = new TempDir();
        var path = dir.File("tok.bin");
        var good = Tokenizer(SmallPieces());
        const int unkLength = 4 + 4;                                         // score, length of token 0
        (byte[] bytes, string message) = defect switch
        {
            "empty" => ([], "too short"),
            "max-length-zero" => (WithInt(good, 0, 0), "max_token_length = 0"),
            "cut-in-score" => (good[..(4 + 13 + 3)], "token 1 at byte 17: needs 8 bytes for its score and length, 3 left (truncated)"),
            "cut-in-bytes" => (good[..(4 + 13 + 8 + 2)], "token 1 at byte 25: needs 5 bytes, 2 left (truncated)"),
            "length-over-max" => (WithInt(good, 4 + 4, 99), "token 0 at byte 8: length = 99 is out of range (1..max_token_length 6)"),
            "length-zero" => (WithInt(good, 4 + 4, 0), "length = 0 is out of range"),
            "length-negative" => (WithInt(good, 4 + 4, -3), "length = -3 is out of range"),
            "nan-score" => (WithInt(good, 4, BitConverter.SingleToInt32Bits(float.NaN)), "token 0: score is NaN"),
            "not-utf8" => (WithByte(good, 4 + unkLength, 0xC3), "token 0: its 5 bytes are not valid UTF-8"),
            _ => throw new ArgumentOutOfRangeException(nameof(defect)),
        };
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidModelFileException>(() => Llama2cVocabulary.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message);
    }

    [SharedFact(StoriesTokenizer)]
    public void MergesAreEverySplitIntoTwoPiecesRankedByScore()
    {
        var path = SharedData.Require(StoriesTokenizer);
        var v = Llama2cVocabulary.Read(path);
        var pieces = Llama2cTokenizerConverter.ToHuggingFacePieces(v, path);
        var merges = SentencePieceMerges.Derive(pieces, v.Scores);
        var id = pieces.Select((p, i) => (p, i)).ToDictionary(t => t.p, t => t.i);

        // Brute force over every piece and every char boundary (tok512 is BMP-only).
        var expected = new HashSet<(string, string)>();
        foreach (var p in pieces)
            for (int s = 1; s < p.Length; s++)
                if (id.ContainsKey(p[..s]) && id.ContainsKey(p[s..])) expected.Add((p[..s], p[s..]));
        Assert.Equal(expected.Count, merges.Count);
        Assert.True(expected.SetEquals(merges));
        var scores = merges.Select(m => v.Scores[id[m.Left + m.Right]]).ToArray();
        for (int i = 1; i < scores.Length; i++) Assert.True(scores[i - 1] >= scores[i], $"merge {i} outranks a better one");
        Assert.Equal([("▁", "t"), ("h", "e"), ("▁", "a"), ("▁", "s"), ("▁", "w"), ("n", "d"), ("▁t", "he"), ("▁th", "e")], merges.Take(8));
    }

    [Fact]
    public void MergesSplitBetweenCodePointsAndBreakTiesByIds()
    {
        string[] pieces = ["a", "😀", "b", "😀a", "ab", "b😀", "ab😀", "a😀"];
        float[] scores = [0, 0, 0, -1, -1, -3, -2, -5];
        var merges = SentencePieceMerges.Derive(pieces, scores);
        // score -1: "😀a" (id 3) before "ab" (id 4); -2: "ab😀" splits a+b😀 (left id 0) before ab+😀 (left id 4); -3; -5.
        Assert.Equal([("😀", "a"), ("a", "b"), ("a", "b😀"), ("ab", "😀"), ("b", "😀"), ("a", "😀")], merges);
        Assert.Throws<ArgumentException>(() => SentencePieceMerges.Derive(["a", "a"], [0, 0]));
        Assert.Throws<ArgumentException>(() => SentencePieceMerges.Derive(["a", "b"], [0, float.NaN]));
    }

    [SharedFact(StoriesCheckpoint, StoriesTokenizer, Llama2TokenizerJson)]
    public void TokenizerJsonHasLlama2sPipelineAndOurVocabulary()
    {
        using var dir = new TempDir();
        var outDir = Path.Combine(dir.Path, "m");
        var result = Llama2cImporter.Import(SharedData.Require(StoriesCheckpoint), SharedData.Require(StoriesTokenizer), outDir);
        var ours = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "tokenizer.json")))!.AsObject();
        var llama2 = JsonNode.Parse(File.ReadAllText(SharedData.Require(Llama2TokenizerJson)))!.AsObject();

        Assert.Equal(llama2.Select(kv => kv.Key), ours.Select(kv => kv.Key));
        foreach (var key in new[] { "version", "truncation", "padding", "added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder" })
            Assert.True(JsonNode.DeepEquals(llama2[key], ours[key]), $"{key} differs from Llama-2's: {ours[key]?.ToJsonString()}");
        var model = ours["model"]!.AsObject();
        var llamaModel = llama2["model"]!.AsObject();
        Assert.Equal(llamaModel.Select(kv => kv.Key), model.Select(kv => kv.Key));
        foreach (var (key, value) in llamaModel)
            if (key is not "vocab" and not "merges") Assert.True(JsonNode.DeepEquals(value, model[key]), $"model.{key} differs");

        var vocab = model["vocab"]!.AsObject().Select(kv => (kv.Key, kv.Value!.GetValue<int>())).ToList();
        Assert.Equal(Enumerable.Range(0, 512), vocab.Select(t => t.Item2));
        var path = SharedData.Require(StoriesTokenizer);
        Assert.Equal(Llama2cTokenizerConverter.ToHuggingFacePieces(Llama2cVocabulary.Read(path), path), vocab.Select(t => t.Key));
        var merges = model["merges"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Equal(result.MergeCount, merges.Count);
        Assert.Equal("▁ t", merges[0]);

        using var cfg = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "tokenizer_config.json")));
        Assert.True(cfg.RootElement.GetProperty("add_bos_token").GetBoolean());
        Assert.False(cfg.RootElement.GetProperty("add_eos_token").GetBoolean());
        Assert.Equal("<s>", cfg.RootElement.GetProperty("bos_token").GetProperty("content").GetString());
        Assert.Equal("</s>", cfg.RootElement.GetProperty("eos_token").GetProperty("content").GetString());
        Assert.Equal("<unk>", cfg.RootElement.GetProperty("unk_token").GetProperty("content").GetString());
        Assert.Equal(512, cfg.RootElement.GetProperty("model_max_length").GetInt32());
    }

    /// <summary>
    /// Known answers of the reference encoder, cross-checked against HuggingFace's own tokenizers library (npm
    /// `tokenizers` 0.23.2 from ../shared/tools/tokenizer-oracle) over the tokenizer.json this importer writes: it agreed
    /// on all 6,034 lines of eval.txt. Ids: 403 "▁Once", 407 "▁upon", 261 "▁a", 378 "▁time", 432 ",".
    /// </summary>
    [SharedFact(StoriesTokenizer)]
    public void ReferenceEncoderKnownAnswers()
    {
        var enc = new Llama2cReferenceEncoder(SharedData.Require(StoriesTokenizer));
        Assert.Equal([403, 407, 261, 378, 432], enc.Encode("Once upon a time,"));
        Assert.Equal([1, 403, 407, 261, 378, 432, 2], enc.Encode("Once upon a time,", bos: true, eos: true));
        Assert.Empty(enc.Encode(""));
        // "☃" (E2 98 83) is not a piece: its three bytes fall back to ids byte + 3; "\n" is byte 0x0A.
        Assert.Equal([410, 229, 155, 134, 13], enc.Encode("☃\n"));
    }

    private static byte[] WithInt(byte[] b, int offset, int value) { var c = (byte[])b.Clone(); BinaryPrimitives.WriteInt32LittleEndian(c.AsSpan(offset), value); return c; }
    private static byte[] WithByte(byte[] b, int offset, byte value) { var c = (byte[])b.Clone(); c[offset] = value; return c; }
}
