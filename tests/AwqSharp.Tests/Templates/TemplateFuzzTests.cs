using System.Diagnostics;
using System.Text;
using System.Text.Json;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Templates;

/// <summary>
/// Random and mutated templates (the real chat templates and the feature templates with characters and tokens
/// deleted, duplicated, replaced and spliced) must each end, within a time bound, in a prompt or a
/// <see cref="TemplateException"/> that is not an internal error: never another exception type, a crash or a hang.
/// Deterministic (fixed seeds), a few seconds in all.
/// </summary>
public sealed class TemplateFuzzTests
{
    private static readonly TemplateLimits Limits = new() { MaxSteps = 50_000, MaxOutputLength = 1_000_000, MaxDepth = 100 };
    private static readonly TimeSpan PerTemplate = TimeSpan.FromSeconds(5);

    private static readonly string[] Tokens =
    [
        "{%", "%}", "{{", "}}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "+%}", "(", ")", "[", "]", "{", "}", "'", "\"", "|", ",", ":", ".",
        "=", "==", "~", "+", "-", "*", "**", "/", "//", "%", "<", ">=", "!=", " if ", " else ", " elif ", " for ", " in ", " not ", " and ",
        " or ", " is ", "endfor", "endif", "set ", "ns.x", "loop", "loop.index0", "messages", "messages[0]", "[::-1]", "[1:]", "raise_exception",
        "namespace(", "|tojson", "|length", "|trim", "|join(', ')", "|map(attribute='role')", "|selectattr('role')", " is defined", " is none",
        "macro ", "endmacro", "break", "continue", "raw", "endraw", "none", "true", "1", "-1", "0.5", "1e308", "9223372036854775807",
        "'\\u00e9'", "\\", "\n", "  ", "\t", "é", "😀", "\uD800", "range(", ".strip(", ".split(", ".startswith(", "recursive", "include",
    ];

    private static IReadOnlyList<string> Seeds()
    {
        var seeds = new List<string>();
        using (var doc = KnownAnswerFiles.Read("feature-cases.json"))
            foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) seeds.Add(c.GetProperty("template").GetString()!);
        using (var doc = KnownAnswerFiles.Read("chat-templates.json"))
            foreach (var t in doc.RootElement.GetProperty("templates").EnumerateArray())
                if (SharedData.PathOf(t.GetProperty("path").GetString()!) is { } path)
                    seeds.Add(RealTemplateKnownAnswerTests.ReadTemplate(path, t.GetProperty("kind").GetString()!));
        return seeds;
    }

    private static string Mutate(string s, IReadOnlyList<string> seeds, Random rng)
    {
        int rounds = 1 + rng.Next(4);
        for (int r = 0; r < rounds; r++)
        {
            int pos = s.Length == 0 ? 0 : rng.Next(s.Length + 1);
            int len = s.Length == 0 ? 0 : rng.Next(1 + Math.Min(12, s.Length - Math.Min(pos, s.Length)));
            s = rng.Next(6) switch
            {
                0 => s.Remove(pos, len),                                                  // delete characters
                1 => s.Insert(pos, s.Substring(pos, len)),                                // duplicate characters
                2 => s.Insert(pos, Tokens[rng.Next(Tokens.Length)]),                      // insert a token
                3 => s.Remove(pos, len).Insert(pos, Tokens[rng.Next(Tokens.Length)]),     // replace by a token
                4 => s.Length == 0 ? s : s.Remove(Math.Min(pos, s.Length - 1), 1).Insert(Math.Min(pos, s.Length - 1), ((char)rng.Next(32, 127)).ToString()),
                _ => Splice(s, seeds[rng.Next(seeds.Count)], rng),                       // splice with another template
            };
        }
        return s;
    }

    private static string Splice(string a, string b, Random rng)
    {
        int i = rng.Next(a.Length + 1), j = rng.Next(b.Length + 1);
        return a[..i] + b[j..Math.Min(b.Length, j + rng.Next(200))];
    }

    private static string RandomTemplate(Random rng)
    {
        var sb = new StringBuilder();
        int n = 1 + rng.Next(12);
        for (int i = 0; i < n; i++) sb.Append(Tokens[rng.Next(Tokens.Length)]);
        return sb.ToString();
    }

    private static readonly IReadOnlyList<ChatMessage> Conversation =
    [
        new("system", "sys"), new("user", "hi <tool_response>x</tool_response>"),
        new("assistant", "<think>\nr\n</think>\n\nok") { ToolCalls = [new Dictionary<string, object?> { ["function"] = new Dictionary<string, object?> { ["name"] = "f", ["arguments"] = new Dictionary<string, object?> { ["a"] = 1 } } }] },
        new("tool", "42"), new("user", "again"),
    ];

    private static readonly Dictionary<string, object?> Variables = new()
    {
        ["bos_token"] = "<s>", ["eos_token"] = "</s>",
        ["tools"] = JsonDocument.Parse("""[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]""").RootElement,
    };

    /// <summary>Parses and renders; Problem is null when the outcome is acceptable, Rendered tells whether a prompt came out.</summary>
    private static (string? Problem, bool Rendered) Check(string source)
    {
        var task = Task.Run<(string?, bool)>(() =>
        {
            try
            {
                var template = ChatTemplate.Parse(source, Limits);
                template.Render(Conversation, addGenerationPrompt: true, Variables);
                return (null, true);
            }
            catch (TemplateException ex) when (ex.Kind != TemplateErrorKind.Internal) { return (null, false); }
            catch (Exception ex) { return ($"{ex.GetType().Name}: {ex.Message}", false); }
        });
        if (!task.Wait(PerTemplate)) return ($"no result within {PerTemplate.TotalSeconds} s (hang?)", false);
        return task.Result;
    }

    [Theory]
    [InlineData(1, 1500)]
    [InlineData(2, 1500)]
    public void Mutated_templates_end_in_a_result_or_a_template_exception(int seed, int count)
    {
        // AWQ_FUZZ_ITERATIONS=200000 runs a longer campaign locally
        if (int.TryParse(Environment.GetEnvironmentVariable("AWQ_FUZZ_ITERATIONS"), out int more) && more > 0) count = more;
        var seeds = Seeds();
        var rng = new Random(seed);
        var failures = new List<string>();
        var sw = Stopwatch.StartNew();
        int rendered = 0;
        for (int i = 0; i < count && failures.Count < 5; i++)
        {
            var source = rng.Next(10) == 0 ? RandomTemplate(rng) : Mutate(seeds[rng.Next(seeds.Count)], seeds, rng);
            var (problem, ok) = Check(source);
            if (ok) rendered++;
            if (problem is not null) failures.Add($"{problem}\n  template: {JsonSerializer.Serialize(source)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // the mutations must leave many templates valid, or the renderer is hardly exercised
        Assert.True(rendered > count / 20, $"only {rendered} of {count} mutated templates rendered");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {sw.Elapsed}");
    }
}
