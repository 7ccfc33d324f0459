using System.Text.Json.Nodes;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Special tokens, vocabulary size, chat templates and eos ids read from the shared tokenizers and from synthesized configs.</summary>
public class TokenizerMetadataTests
{
    [SharedTheory(SharedTokenizers.Root)]
    [InlineData("llama-2-7b-chat-hf", 32000, "<s>", 1, "</s>", 2, true)]
    [InlineData("tinyllama-1.1b-chat-v1.0", 32000, "<s>", 1, "</s>", 2, true)]
    [InlineData("mistral-7b-v0.1", 32000, "<s>", 1, "</s>", 2, true)]
    [InlineData("llama-3-8b-instruct", 128256, "<|begin_of_text|>", 128000, "<|eot_id|>", 128009, true)]
    [InlineData("qwen3", 151669, null, null, "<|im_end|>", 151645, false)]
    [InlineData("gpt2", 50257, "<|endoftext|>", 50256, "<|endoftext|>", 50256, false)]
    public void SpecialTokensAndVocabularySize(string name, int vocabSize, string? bos, int? bosId, string eos, int eosId, bool addBos)
    {
        var t = SharedTokenizers.Get(name);
        Assert.Equal(vocabSize, t.VocabSize);
        Assert.Equal(bos, t.BosToken);
        Assert.Equal(bosId, t.BosTokenId);
        Assert.Equal(eos, t.EosToken);
        Assert.Equal(eosId, t.EosTokenId);
        Assert.Equal([eosId], t.EosTokenIds);
        Assert.Equal(addBos, t.AddBosToken);
        Assert.True(t.IsSpecial(eosId));
        Assert.Equal(eos, t.IdToToken(eosId));
        Assert.Equal(addBos, t.Encode("").Length == 1);
    }

    [SharedTheory(SharedTokenizers.Root)]
    [InlineData("llama-2-7b-chat-hf", "[INST]")]
    [InlineData("tinyllama-1.1b-chat-v1.0", "<|user|>")]            // from chat_template.jinja
    [InlineData("llama-3-8b-instruct", "<|start_header_id|>")]
    [InlineData("qwen3", "<think>")]
    public void ChatTemplatesAreExposed(string name, string fragment)
    {
        var t = SharedTokenizers.Get(name);
        Assert.Contains(fragment, t.ChatTemplate);
        Assert.Empty(t.NamedChatTemplates);
    }

    [SharedTheory(SharedTokenizers.Root)]
    [InlineData("mistral-7b-v0.1")]
    [InlineData("gpt2")]
    public void BaseModelsHaveNoChatTemplate(string name) => Assert.Null(SharedTokenizers.Get(name).ChatTemplate);

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer.json")]
    public void RawTokensAndIdsRoundTrip()
    {
        var t = SharedTokenizers.Get("llama-2-7b-chat-hf");
        Assert.Equal("\u2581Hello", t.IdToToken(15043));
        Assert.Equal("<0x0A>", t.IdToToken(13));
        Assert.Equal(15043, t.TokenToId("\u2581Hello"));
        Assert.Null(t.TokenToId("no such token"));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.IdToToken(32000));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.IdToToken(-1));
        Assert.Equal("Hello", t.Decode([32000, 15043, -5])); // unknown ids are ignored, as in HuggingFace
    }

    private static TempDir TinyDirectory(JsonObject? config = null)
    {
        var dir = new TempDir();
        var json = TinyTokenizerJson.Create();
        json["model"]!["vocab"]!["</s>"] = 7;
        json["model"]!["vocab"]!["<eot>"] = 8;
        TinyTokenizerJson.Write(dir.File("tokenizer.json"), json);
        if (config is not null) File.WriteAllText(dir.File("tokenizer_config.json"), config.ToJsonString());
        return dir;
    }

    [Fact]
    public void NamedChatTemplatesFromAList()
    {
        using var dir = TinyDirectory(new JsonObject
        {
            ["chat_template"] = new JsonArray(
                new JsonObject { ["name"] = "default", ["template"] = "{{ messages }}" },
                new JsonObject { ["name"] = "tool_use", ["template"] = "{{ tools }}" }),
        });
        var t = TextTokenizer.Load(dir.Path);
        Assert.Equal("{{ messages }}", t.ChatTemplate);
        Assert.Equal("{{ tools }}", t.NamedChatTemplates["tool_use"]);
        Assert.Equal(2, t.NamedChatTemplates.Count);
    }

    [Fact]
    public void ChatTemplateFilesTakePrecedence()
    {
        using var dir = TinyDirectory(new JsonObject { ["chat_template"] = "inline" });
        File.WriteAllText(dir.File("chat_template.jinja"), "from file");
        Directory.CreateDirectory(Path.Combine(dir.Path, "additional_chat_templates"));
        File.WriteAllText(Path.Combine(dir.Path, "additional_chat_templates", "rag.jinja"), "rag template");
        var t = TextTokenizer.Load(dir.Path);
        Assert.Equal("from file", t.ChatTemplate);
        Assert.Equal("rag template", t.NamedChatTemplates["rag"]);
        Assert.Equal("from file", t.NamedChatTemplates["default"]);
    }

    [Fact]
    public void EosIdsIncludeGenerationConfig()
    {
        using var dir = TinyDirectory(new JsonObject { ["eos_token"] = new JsonObject { ["__type"] = "AddedToken", ["content"] = "</s>" } });
        File.WriteAllText(dir.File("generation_config.json"), "{\"eos_token_id\": [7, 8]}");
        var t = TextTokenizer.Load(dir.Path);
        Assert.Equal("</s>", t.EosToken);
        Assert.Equal(7, t.EosTokenId);
        Assert.Equal([7, 8], t.EosTokenIds);
        Assert.True(t.IsSpecial(7)); // a special token of the config becomes a special added token
        Assert.Equal([7], t.Encode("</s>", addSpecialTokens: false));
    }

    [Fact]
    public void LlamaTokenizerClassFollowsAddBosAndAddEos()
    {
        using var dir = TinyDirectory(new JsonObject
        {
            ["tokenizer_class"] = "LlamaTokenizer", ["add_bos_token"] = true, ["add_eos_token"] = true,
            ["bos_token"] = "<s>", ["eos_token"] = "</s>",
        });
        var json = TinyTokenizerJson.Create();
        json["model"]!["vocab"]!["<s>"] = 9;
        json["model"]!["vocab"]!["</s>"] = 7;
        TinyTokenizerJson.Write(dir.File("tokenizer.json"), json);
        var t = TextTokenizer.Load(dir.Path);
        Assert.True(t.AddBosToken);
        Assert.Equal([9, 5, 7], t.Encode("abc"));
        Assert.Equal([5], t.Encode("abc", addSpecialTokens: false));
    }

    [Fact]
    public void BareTokenizerJsonFindsEosByConvention()
    {
        using var dir = TinyDirectory();
        var t = TextTokenizer.Load(dir.Path);
        Assert.Null(t.BosToken);
        Assert.False(t.AddBosToken);
        Assert.Null(t.EosToken); // "</s>" is only a vocabulary entry here, not a special added token
        Assert.Empty(t.EosTokenIds);
    }

    [SharedFact("data/tokenizers/mistral-7b-v0.1/tokenizer.model")]
    public void LoadAcceptsAPathToATokenizerFile()
    {
        string dir = SharedTokenizers.DirectoryOf("mistral-7b-v0.1");
        Assert.EndsWith("tokenizer.json", TextTokenizer.Load(Path.Combine(dir, "tokenizer.json")).Source);
        var fromModel = TextTokenizer.Load(Path.Combine(dir, "tokenizer.model"));
        Assert.EndsWith("tokenizer.model", fromModel.Source);
        Assert.Equal([1, 22557], fromModel.Encode(" Hello")); // Metaspace "first" from the config's legacy: false
    }
}
