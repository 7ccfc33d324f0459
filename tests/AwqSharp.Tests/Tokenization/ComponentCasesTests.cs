using System.Collections.Concurrent;
using System.Text.Json;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// The generic tokenizer.json components (Metaspace variants and legacy fields, Digits, Split behaviors and
/// invert, NFD/Lowercase/Strip/regex Replace, Roberta and template post-processors, no decoder) against
/// HuggingFace's answers (scripts/tokenizer-bench/component-cases.mjs).
/// </summary>
public class ComponentCasesTests
{
    private static readonly ConcurrentDictionary<string, Lazy<TextTokenizer>> Variants = new();

    private static TextTokenizer Variant(ComponentCase c) => Variants.GetOrAdd(c.Variant, _ => new Lazy<TextTokenizer>(() =>
    {
        using var dir = new TempDir();
        WritePatched(Path.Combine(SharedTokenizers.DirectoryOf(c.BaseTokenizer), "tokenizer.json"), c.PatchJson, dir.File("tokenizer.json"));
        return TextTokenizer.Load(dir.Path);
    })).Value;

    /// <summary>Copies a tokenizer.json with some top-level fields replaced (streaming, no DOM of the big file).</summary>
    private static void WritePatched(string source, string patchJson, string destination)
    {
        using var original = JsonDocument.Parse(File.ReadAllBytes(source));
        using var patch = JsonDocument.Parse(patchJson);
        using var output = File.Create(destination);
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        foreach (var property in original.RootElement.EnumerateObject())
            if (!patch.RootElement.TryGetProperty(property.Name, out _)) property.WriteTo(writer);
        foreach (var property in patch.RootElement.EnumerateObject()) property.WriteTo(writer);
        writer.WriteEndObject();
    }

    public static IEnumerable<object[]> Rows() => ComponentCases.All.Select((c, i) => new object[] { c.Variant, i });

    [SharedTheory(SharedTokenizers.Root)]
    [MemberData(nameof(Rows))]
    public void MatchesHuggingFace(string variant, int index)
    {
        var c = ComponentCases.All[index];
        Assert.Equal(variant, c.Variant);
        var t = Variant(c);
        Assert.Equal(c.IdsWithSpecial, t.Encode(c.Text));
        Assert.Equal(c.IdsWithoutSpecial, t.Encode(c.Text, addSpecialTokens: false));
        Assert.Equal(c.Decoded, t.Decode(c.IdsWithSpecial));
        var stream = new StreamingDecoder(t, skipSpecialTokens: false);
        Assert.Equal(c.Decoded, string.Concat(c.IdsWithSpecial.Select(stream.Push)) + stream.Flush());
    }
}
