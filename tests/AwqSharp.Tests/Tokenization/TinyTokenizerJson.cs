using System.Text.Json.Nodes;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Builds small tokenizer.json documents for tests.</summary>
public static class TinyTokenizerJson
{
    /// <summary>A byte-level-free BPE over "a", "b", "c" with merges a+b and ab+c, no pre-tokenizer.</summary>
    public static JsonObject Create() => new()
    {
        ["version"] = "1.0",
        ["added_tokens"] = new JsonArray(
            new JsonObject { ["id"] = 0, ["content"] = "<unk>", ["special"] = true, ["normalized"] = false, ["lstrip"] = false, ["rstrip"] = false, ["single_word"] = false }),
        ["normalizer"] = null,
        ["pre_tokenizer"] = null,
        ["post_processor"] = null,
        ["decoder"] = null,
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["unk_token"] = "<unk>",
            ["vocab"] = new JsonObject { ["<unk>"] = 0, ["a"] = 1, ["b"] = 2, ["c"] = 3, ["ab"] = 4, ["abc"] = 5, [" "] = 6 },
            ["merges"] = new JsonArray("a b", "ab c"),
        },
    };

    public static void Write(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString());
}
