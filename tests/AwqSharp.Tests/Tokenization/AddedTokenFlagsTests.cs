using System.Text.Json.Nodes;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// Added-token flags (lstrip, rstrip, single_word), overlapping tokens and id assignment, on GPT-2's tokenizer.json
/// with extra added tokens. Expected ids computed by HuggingFace tokenizers 0.23.2 (npm) on the same file.
/// </summary>
public class AddedTokenFlagsTests
{
    private const string Gpt2 = "data/tokenizers/gpt2/tokenizer.json";

    private static readonly Lazy<TextTokenizer> Tokenizer = new(() =>
    {
        var json = JsonNode.Parse(File.ReadAllText(SharedData.Require(Gpt2)))!.AsObject();
        var added = json["added_tokens"]!.AsArray();
        void Add(int id, string content, bool singleWord = false, bool lstrip = false, bool rstrip = false, bool special = false) =>
            added.Add(new JsonObject { ["id"] = id, ["content"] = content, ["single_word"] = singleWord, ["lstrip"] = lstrip, ["rstrip"] = rstrip, ["normalized"] = false, ["special"] = special });
        Add(50257, "<mask>", lstrip: true, special: true);
        Add(50258, "[SEP]", rstrip: true, special: true);
        Add(50259, "cat", singleWord: true);               // in the vocabulary: keeps id 9246, so the ids below shift
        Add(50260, "<both>", lstrip: true, rstrip: true, special: true);
        Add(50261, "<mask>x", special: true);
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer.json"), json.ToJsonString());
        return TextTokenizer.Load(dir.Path);
    });

    public static TheoryData<string, int[]> Cases => new()
    {
        { "Hello  <mask> world", [15496, 50257, 995] },
        { "a [SEP]   b", [64, 220, 50258, 65] },
        { "cat concat cats cat.", [9246, 1673, 265, 11875, 220, 9246, 13] },
        { " <both>  x", [50259, 87] },
        { "<mask>xy <mask>", [50260, 88, 50257] },
        { "x\t<mask>\n[SEP]\n\ny", [87, 50257, 198, 50258, 88] },
        { "cat", [9246] },
        { "dog cat_ cat-cat", [9703, 3797, 62, 220, 9246, 12, 9246] },
        { "  <both><both>  ", [50259, 50259] },
        { "é cat 日cat", [2634, 220, 9246, 10545, 245, 98, 9246] },
    };

    [SharedTheory(Gpt2)]
    [MemberData(nameof(Cases))]
    public void MatchesHuggingFace(string text, int[] expected) =>
        Assert.Equal(expected, Tokenizer.Value.Encode(text, addSpecialTokens: false));

    [SharedFact(Gpt2)]
    public void IdsAreAssignedAsHuggingFaceDoes()
    {
        var t = Tokenizer.Value;
        Assert.Equal(9246, t.TokenToId("cat"));
        Assert.Equal(50259, t.TokenToId("<both>"));
        Assert.Equal(50260, t.TokenToId("<mask>x"));
        Assert.Equal(50261, t.VocabSize);
        Assert.True(t.IsSpecial(50257));
        Assert.False(t.IsSpecial(9246));
    }
}
