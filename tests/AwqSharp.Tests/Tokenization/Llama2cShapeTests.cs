using System.Text;
using System.Text.Json.Nodes;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// The tokenizer.json shape a llama2.c importer writes (Llama-2's: byte_fallback, fuse_unk, Prepend/Replace
/// normalizer, no pre-tokenizer, Replace/ByteFallback/Fuse/Strip decoder, TemplateProcessing adding &lt;s&gt;),
/// built here from stories260K's tok512.bin, encodes TinyStories text exactly as llama2.c's own encoder does
/// (greedy merge of the adjacent pair whose merged piece has the best score) and decodes it back.
/// </summary>
public class Llama2cShapeTests
{
    private const string TokBin = "models/stories260K/tok512.bin";
    private const string Eval = "data/tinystories/eval.txt";

    private sealed record Llama2cVocab(string[] Pieces, float[] Scores);

    private static Llama2cVocab ReadTokBin(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        reader.ReadInt32(); // max token length
        var pieces = new string[512];
        var scores = new float[512];
        for (int i = 0; i < 512; i++)
        {
            scores[i] = reader.ReadSingle();
            pieces[i] = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
        }
        return new Llama2cVocab(pieces, scores);
    }

    /// <summary>Writes the importer-shaped tokenizer.json: vocabulary in SentencePiece form, merges ordered by score.</summary>
    private static JsonObject ToTokenizerJson(Llama2cVocab v)
    {
        string Piece(int i) => i switch { 1 => "<s>", 2 => "</s>", _ => v.Pieces[i].Replace(' ', '\u2581') };
        var vocab = new JsonObject();
        var ids = new Dictionary<string, int>();
        for (int i = 0; i < v.Pieces.Length; i++) { vocab[Piece(i)] = i; ids[Piece(i)] = i; }
        var merges = new List<(string L, string R, float Score, int Order)>();
        for (int i = 3 + 256; i < v.Pieces.Length; i++)
        {
            string p = Piece(i);
            for (int cut = 1; cut < p.Length; cut++)
                if (ids.ContainsKey(p[..cut]) && ids.ContainsKey(p[cut..])) merges.Add((p[..cut], p[cut..], v.Scores[i], merges.Count));
        }
        var mergeArray = new JsonArray();
        foreach (var m in merges.OrderByDescending(m => m.Score).ThenBy(m => m.Order)) mergeArray.Add($"{m.L} {m.R}");
        JsonObject Special(int id, string content) => new() { ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(Special(0, "<unk>"), Special(1, "<s>"), Special(2, "</s>")),
            ["normalizer"] = JsonNode.Parse("""{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},{"type":"Replace","pattern":{"String":" "},"content":"▁"}]}"""),
            ["pre_tokenizer"] = null,
            ["post_processor"] = JsonNode.Parse("""{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],"pair":[],"special_tokens":{"<s>":{"id":"<s>","ids":[1],"tokens":["<s>"]}}}"""),
            ["decoder"] = JsonNode.Parse("""{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]}"""),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = "<unk>", ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = true, ["byte_fallback"] = true, ["vocab"] = vocab, ["merges"] = mergeArray,
            },
        };
    }

    /// <summary>llama2.c's encode(): BOS, dummy " " prefix, per-character lookup with byte fallback, greedy best-score merges.</summary>
    private static List<int> Llama2cEncode(Llama2cVocab v, string text)
    {
        var lookup = new Dictionary<string, int>();
        for (int i = 0; i < v.Pieces.Length; i++) lookup.TryAdd(v.Pieces[i], i);
        var tokens = new List<int> { 1 };
        if (text.Length > 0) tokens.Add(lookup[" "]);
        foreach (var rune in text.EnumerateRunes())
        {
            if (lookup.TryGetValue(rune.ToString(), out int id)) { tokens.Add(id); continue; }
            var bytes = new byte[4];
            int n = rune.EncodeToUtf8(bytes);
            for (int b = 0; b < n; b++) tokens.Add(bytes[b] + 3);
        }
        while (true)
        {
            float best = float.NegativeInfinity;
            int bestIndex = -1, bestId = -1;
            for (int i = 1; i + 1 < tokens.Count; i++)
            {
                if (lookup.TryGetValue(v.Pieces[tokens[i]] + v.Pieces[tokens[i + 1]], out int id) && v.Scores[id] > best)
                {
                    best = v.Scores[id]; bestIndex = i; bestId = id;
                }
            }
            if (bestIndex < 0) return tokens;
            tokens[bestIndex] = bestId;
            tokens.RemoveAt(bestIndex + 1);
        }
    }

    [SharedFact(TokBin, Eval)]
    public void ImporterShapedTokenizerEncodesLikeLlama2c()
    {
        var v = ReadTokBin(SharedData.Require(TokBin));
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer.json"), ToTokenizerJson(v).ToJsonString());
        var t = TextTokenizer.Load(dir.Path);
        Assert.Equal(512, t.VocabSize);
        Assert.Equal(1, t.BosTokenId);
        Assert.Equal(2, t.EosTokenId);
        Assert.True(t.AddBosToken);
        Assert.True(t.Model.SplitsAtMetaspace);

        var paragraphs = File.ReadAllText(SharedData.Require(Eval)).Split("\n\n").Take(60).Append("Hi 😀 — naïve café!\nLine").ToList();
        foreach (string p in paragraphs)
        {
            int[] ids = t.Encode(p);
            Assert.Equal(Llama2cEncode(v, p), ids);
            Assert.Equal(p, t.Decode(ids, skipSpecialTokens: true));
            Assert.Equal("<s>" + (p.Length > 0 ? " " : "") + p, t.Decode(ids));
        }
    }
}
