using System.Text.Json.Nodes;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;
using Google.Protobuf;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Malformed, truncated or unsupported tokenizer files give a clear exception naming the file and field.</summary>
public class BadInputTests
{
    private static Exception LoadJson(JsonNode json, out string path)
    {
        var dir = new TempDir();
        path = dir.File("tokenizer.json");
        TinyTokenizerJson.Write(path, json);
        try
        {
            return Record.Exception(() => TextTokenizer.Load(dir.Path))!;
        }
        finally
        {
            dir.Dispose();
        }
    }

    [Fact]
    public void TinyTokenizerLoads()
    {
        using var dir = new TempDir();
        TinyTokenizerJson.Write(dir.File("tokenizer.json"), TinyTokenizerJson.Create());
        var t = TextTokenizer.Load(dir.Path);
        Assert.Equal([5, 6, 4, 0], t.Encode("abc abx"));
        Assert.Equal("abc ab<unk>", string.Concat(t.Encode("abc abx").Select(t.IdToToken)));
    }

    [Fact]
    public void MalformedJsonNamesTheFile()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\",, }");
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Equal(dir.File("tokenizer.json"), ex.Path);
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("not valid JSON", ex.Message);
    }

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer.json")]
    public void TruncatedTokenizerJsonIsReportedAsInvalid()
    {
        using var dir = new TempDir();
        byte[] full = File.ReadAllBytes(SharedData.Require("data/tokenizers/llama-2-7b-chat-hf/tokenizer.json"));
        File.WriteAllBytes(dir.File("tokenizer.json"), full[..(full.Length / 2)]);
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("truncated or malformed", ex.Message);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void NonBpeModelTypesAreUnsupported(string type)
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["type"] = type;
        var ex = Assert.IsType<UnsupportedModelException>(LoadJson(json, out string path));
        Assert.Contains(path, ex.Message);
        Assert.Contains($"model.type \"{type}\"", ex.Message);
    }

    [Fact]
    public void MergeNamingAnUnknownTokenIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["merges"] = new JsonArray("a b", "ab zz");
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out string path));
        Assert.Equal(path, ex.Path);
        Assert.Contains("model.merges[1]", ex.Message);
        Assert.Contains("'zz' is not in model.vocab", ex.Message);
    }

    [Fact]
    public void MergeWhoseResultIsNotInTheVocabularyIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["merges"] = new JsonArray("a b", "b c");
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("model.merges[1]", ex.Message);
        Assert.Contains("merged token 'bc'", ex.Message);
    }

    [Theory]
    [InlineData("\"abc\"")]
    [InlineData("\"a b c\"")]
    [InlineData("[\"a\"]")]
    [InlineData("42")]
    public void MalformedMergeEntriesAreReported(string entry)
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["merges"] = new JsonArray("a b", JsonNode.Parse(entry));
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("model.merges[1]", ex.Message);
    }

    [Fact]
    public void MissingVocabularyIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!.AsObject().Remove("vocab");
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("model: required field \"vocab\" is missing", ex.Message);
    }

    [Fact]
    public void MissingModelIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json.Remove("model");
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("required field \"model\" is missing", ex.Message);
    }

    [Fact]
    public void NonIntegerVocabularyIdIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["vocab"]!["ab"] = "four";
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("model.vocab[\"ab\"]", ex.Message);
    }

    [Fact]
    public void AbsurdVocabularyIdIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["vocab"]!["abc"] = 2_000_000_000;
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("model.vocab: id 2000000000 is too large", ex.Message);
    }

    [Fact]
    public void UnknownTokenMissingFromVocabularyIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["model"]!["unk_token"] = "<oov>";
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("model.unk_token '<oov>'", ex.Message);
    }

    [Theory]
    [InlineData("pre_tokenizer", "BertPreTokenizer")]
    [InlineData("normalizer", "Precompiled")]
    [InlineData("decoder", "WordPiece")]
    [InlineData("post_processor", "SomethingNew")]
    public void UnsupportedComponentsNameTheirField(string field, string type)
    {
        var json = TinyTokenizerJson.Create();
        json[field] = new JsonObject { ["type"] = type };
        var ex = Assert.IsType<UnsupportedModelException>(LoadJson(json, out string path));
        Assert.Contains(path, ex.Message);
        Assert.Contains($"{field}.type \"{type}\"", ex.Message);
    }

    [Fact]
    public void AddedTokenWithoutContentIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 0, ["special"] = true });
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("added_tokens[0]: required field \"content\" is missing", ex.Message);
    }

    [Fact]
    public void TemplateUsingAnUndefinedSpecialTokenIsReported()
    {
        var json = TinyTokenizerJson.Create();
        json["post_processor"] = JsonNode.Parse("""{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"special_tokens":{}}""");
        var ex = Assert.IsType<InvalidModelFileException>(LoadJson(json, out _));
        Assert.Contains("post_processor.special_tokens", ex.Message);
        Assert.Contains("\"<s>\"", ex.Message);
    }

    [Fact]
    public void MalformedTokenizerConfigNamesThatFile()
    {
        using var dir = new TempDir();
        TinyTokenizerJson.Write(dir.File("tokenizer.json"), TinyTokenizerJson.Create());
        File.WriteAllText(dir.File("tokenizer_config.json"), "{\"bos_token\": ");
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Equal(dir.File("tokenizer_config.json"), ex.Path);
    }

    [Fact]
    public void ChatTemplateOfTheWrongTypeIsReported()
    {
        using var dir = new TempDir();
        TinyTokenizerJson.Write(dir.File("tokenizer.json"), TinyTokenizerJson.Create());
        File.WriteAllText(dir.File("tokenizer_config.json"), "{\"chat_template\": 3}");
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Contains("chat_template", ex.Message);
    }

    [Fact]
    public void DirectoryWithoutTokenizerFilesIsReported()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Contains("no tokenizer found", ex.Message);
        Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.File("missing")));
    }

    [Fact]
    public void VocabJsonWithoutMergesIsReported()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vocab.json"), "{\"a\": 0}");
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Contains("merges.txt is missing", ex.Message);
    }

    [Fact]
    public void BadMergesTxtLineIsReported()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("vocab.json"), "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        File.WriteAllText(dir.File("merges.txt"), "#version: 0.2\na b\nab\n");
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Equal(dir.File("merges.txt"), ex.Path);
        Assert.Contains("line 3", ex.Message);
    }

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer.model")]
    public void TruncatedTokenizerModelIsReportedAsInvalid()
    {
        using var dir = new TempDir();
        byte[] full = File.ReadAllBytes(SharedData.Require("data/tokenizers/llama-2-7b-chat-hf/tokenizer.model"));
        File.WriteAllBytes(dir.File("tokenizer.model"), full[..(full.Length / 3)]);
        var ex = Assert.Throws<InvalidModelFileException>(() => TextTokenizer.Load(dir.Path));
        Assert.Equal(dir.File("tokenizer.model"), ex.Path);
        Assert.Contains("SentencePiece", ex.Message);
    }

    [Fact]
    public void UnigramTokenizerModelIsUnsupported()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), SentencePieceProto(modelType: 1));
        var ex = Assert.Throws<UnsupportedModelException>(() => TextTokenizer.Load(dir.Path));
        Assert.Contains("tokenizer.model", ex.Message);
        Assert.Contains("trainer_spec.model_type UNIGRAM", ex.Message);
    }

    [Fact]
    public void SmallBpeTokenizerModelLoads()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("tokenizer.model"), SentencePieceProto(modelType: 2));
        var t = TextTokenizer.Load(dir.Path);
        // "▁ab" merges (score order: ▁a, then ▁ab); 'z' is not a piece and there are no byte pieces: unk.
        Assert.Equal([1, 5, 0], t.Encode("abz"));
        Assert.Equal("ab", t.Decode(t.Encode("ab", addSpecialTokens: false)));
    }

    /// <summary>A minimal SentencePiece ModelProto: pieces &lt;unk&gt; &lt;s&gt; &lt;/s&gt; ▁ a b ▁a ▁ab, and a trainer_spec.</summary>
    private static byte[] SentencePieceProto(int modelType)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        (string Piece, float Score, int Type)[] pieces =
            [("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3), ("\u2581", -1, 1), ("a", -2, 1), ("\u2581ab", -3, 1), ("b", -4, 1), ("\u2581a", -0.5f, 1)];
        foreach (var (piece, score, type) in pieces)
        {
            using var inner = new MemoryStream();
            var p = new CodedOutputStream(inner);
            p.WriteTag(1, WireFormat.WireType.LengthDelimited); p.WriteString(piece);
            p.WriteTag(2, WireFormat.WireType.Fixed32); p.WriteFloat(score);
            p.WriteTag(3, WireFormat.WireType.Varint); p.WriteEnum(type);
            p.Flush();
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        }
        using (var spec = new MemoryStream())
        {
            var s = new CodedOutputStream(spec);
            s.WriteTag(3, WireFormat.WireType.Varint); s.WriteEnum(modelType);
            s.Flush();
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(spec.ToArray()));
        }
        output.Flush();
        return stream.ToArray();
    }
}
