using System.Collections.Concurrent;
using System.Text.Json;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>One line of a shared cases.jsonl: HuggingFace's own ids and decoded text for an input.</summary>
public sealed record TokenizerCase(string Id, string Text, int[] IdsWithSpecial, int[] IdsWithoutSpecial, string Decoded, string[] Tokens);

/// <summary>The shared tokenizers and their known-answer cases, each loaded once per test run.</summary>
public static class SharedTokenizers
{
    public const string Root = "data/tokenizers";

    /// <summary>Tokenizer directories that have a cases.jsonl.</summary>
    public static readonly string[] WithCases =
        ["llama-2-7b-chat-hf", "tinyllama-1.1b-chat-v1.0", "mistral-7b-v0.1", "llama-3-8b-instruct", "qwen3", "gpt2"];

    private static readonly ConcurrentDictionary<string, Lazy<TextTokenizer>> Tokenizers = new();
    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<TokenizerCase>>> Cases = new();

    public static string DirectoryOf(string name) => SharedData.Require($"{Root}/{name}");

    public static TextTokenizer Get(string name) =>
        Tokenizers.GetOrAdd(name, n => new Lazy<TextTokenizer>(() => TextTokenizer.Load(DirectoryOf(n)))).Value;

    public static IReadOnlyList<TokenizerCase> CasesOf(string name) =>
        Cases.GetOrAdd(name, n => new Lazy<IReadOnlyList<TokenizerCase>>(() => ReadCases(Path.Combine(DirectoryOf(n), "cases.jsonl")))).Value;

    public static TokenizerCase Case(string name, string id) => CasesOf(name).Single(c => c.Id == id);

    public static IReadOnlyList<TokenizerCase> ReadCases(string path)
    {
        var result = new List<TokenizerCase>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            result.Add(new TokenizerCase(
                r.GetProperty("id").GetString()!,
                r.GetProperty("text").GetString()!,
                r.GetProperty("ids_with_special").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                r.GetProperty("ids_without_special").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                r.GetProperty("decoded").GetString()!,
                r.TryGetProperty("tokens_without_special", out var t) ? t.EnumerateArray().Select(e => e.GetString()!).ToArray() : []));
        }
        return result;
    }

    /// <summary>(tokenizer, case id) rows for every shared case; empty when ../shared is absent (the theory is then skipped).</summary>
    public static IEnumerable<object[]> AllCaseRows()
    {
        if (SharedData.PathOf(Root) is null) yield break;
        foreach (string name in WithCases)
        {
            if (SharedData.PathOf($"{Root}/{name}/cases.jsonl") is null) continue;
            foreach (var c in CasesOf(name)) yield return [name, c.Id];
        }
    }

    public static IEnumerable<object[]> CaseRowsOf(string name)
    {
        if (SharedData.PathOf($"{Root}/{name}/cases.jsonl") is null) yield break;
        foreach (var c in CasesOf(name)) yield return [c.Id];
    }
}
