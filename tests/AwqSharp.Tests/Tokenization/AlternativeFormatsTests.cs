using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// Tokenizers loaded from the other formats give HuggingFace's ids: Qwen2.5's vocab.json + merges.txt
/// (its expected ids are Qwen3's, same vocabulary and merges), and SentencePiece tokenizer.model files alone
/// (converted as transformers' LlamaConverter does) against the Llama-2 and Mistral cases.
/// </summary>
public class AlternativeFormatsTests
{
    private const string Qwen25 = "data/tokenizers/qwen2.5-0.5b";
    private static readonly string[] Qwen3OnlyTokens = ["<tool_response>", "</tool_response>", "<think>", "</think>"];

    private static readonly Lazy<TextTokenizer> Qwen25Tokenizer = new(() => TextTokenizer.Load(SharedData.Require(Qwen25)));

    public static IEnumerable<object[]> Qwen3Rows() => SharedTokenizers.CaseRowsOf("qwen3");

    [SharedTheory(Qwen25 + "/vocab.json", "data/tokenizers/qwen3/cases.jsonl")]
    [MemberData(nameof(Qwen3Rows))]
    public void Qwen25VocabAndMergesMatchQwen3Cases(string caseId)
    {
        var c = SharedTokenizers.Case("qwen3", caseId);
        Assert.DoesNotContain(Qwen3OnlyTokens, c.Text.Contains);
        var t = Qwen25Tokenizer.Value;
        Assert.Equal(c.IdsWithSpecial, t.Encode(c.Text));
        Assert.Equal(c.IdsWithoutSpecial, t.Encode(c.Text, addSpecialTokens: false));
        Assert.Equal(c.Decoded, t.Decode(c.IdsWithSpecial));
    }

    [SharedFact(Qwen25 + "/vocab.json")]
    public void Qwen25ReadsItsConfig()
    {
        var t = Qwen25Tokenizer.Value;
        Assert.EndsWith("vocab.json", t.Source);
        Assert.Equal(151665, t.VocabSize); // 151643 BPE tokens + 22 added tokens
        Assert.Null(t.BosTokenId);
        Assert.False(t.AddBosToken);
        Assert.Equal("<|endoftext|>", t.EosToken);
        Assert.Equal(151643, t.EosTokenId);
        Assert.Equal([151643], t.EosTokenIds);
        Assert.True(t.IsSpecial(151644));
        Assert.Equal(151644, t.TokenToId("<|im_start|>"));
        Assert.Contains("{{- '<|im_start|>system\\n' }}", t.ChatTemplate);
    }

    public static IEnumerable<object[]> SentencePieceRows()
    {
        foreach (var name in new[] { "llama-2-7b-chat-hf", "mistral-7b-v0.1" })
            foreach (var row in SharedTokenizers.CaseRowsOf(name))
                yield return [name, row[0]];
    }

    private static readonly Dictionary<string, Lazy<TextTokenizer>> ModelOnly = new()
    {
        // No tokenizer_config.json: transformers' default legacy=True, i.e. the Prepend/Replace form of Llama-2's tokenizer.json.
        ["llama-2-7b-chat-hf"] = new(() => LoadModelOnly("llama-2-7b-chat-hf", withConfig: false)),
        // Mistral's config says legacy=false: Metaspace(prepend_scheme "first"), the form of its tokenizer.json.
        ["mistral-7b-v0.1"] = new(() => LoadModelOnly("mistral-7b-v0.1", withConfig: true)),
    };

    private static TextTokenizer LoadModelOnly(string name, bool withConfig)
    {
        using var dir = new TempDir();
        string source = SharedTokenizers.DirectoryOf(name);
        File.Copy(Path.Combine(source, "tokenizer.model"), dir.File("tokenizer.model"));
        if (withConfig) File.Copy(Path.Combine(source, "tokenizer_config.json"), dir.File("tokenizer_config.json"));
        return TextTokenizer.Load(dir.Path);
    }

    [SharedTheory("data/tokenizers/llama-2-7b-chat-hf/tokenizer.model", "data/tokenizers/mistral-7b-v0.1/tokenizer.model")]
    [MemberData(nameof(SentencePieceRows))]
    public void TokenizerModelAloneMatchesCases(string tokenizer, string caseId)
    {
        var c = SharedTokenizers.Case(tokenizer, caseId);
        var t = ModelOnly[tokenizer].Value;
        Assert.Equal(c.IdsWithSpecial, t.Encode(c.Text));
        Assert.Equal(c.IdsWithoutSpecial, t.Encode(c.Text, addSpecialTokens: false));
        Assert.Equal(c.Decoded, t.Decode(c.IdsWithSpecial));
    }

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer.model")]
    public void TokenizerModelGivesTheMergesOfTokenizerJson()
    {
        var fromModel = ModelOnly["llama-2-7b-chat-hf"].Value;
        var fromJson = SharedTokenizers.Get("llama-2-7b-chat-hf");
        Assert.EndsWith("tokenizer.model", fromModel.Source);
        Assert.Equal(fromJson.VocabSize, fromModel.VocabSize);
        Assert.Equal(fromJson.Model.MergeCount, fromModel.Model.MergeCount);
        // Same merges with the same ranks, token by token.
        foreach (var (token, id) in fromJson.Model.Vocab)
        {
            if (token.Length < 2) continue;
            for (int cut = 1; cut < token.Length; cut++)
            {
                if (fromJson.Model.TokenToId(token[..cut]) is not { } l || fromJson.Model.TokenToId(token[cut..]) is not { } r) continue;
                Assert.Equal(fromJson.Model.MergeRank(l, r), fromModel.Model.MergeRank(l, r));
            }
        }
        Assert.Equal(1, fromModel.BosTokenId);
        Assert.Equal(2, fromModel.EosTokenId);
        Assert.True(fromModel.AddBosToken);
    }
}
