using System.Text.Json;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Templates;

/// <summary>
/// Differential fuzzing against Jinja2: 400 mutated templates that Jinja2 renders (KnownAnswers/mutated-cases.json,
/// from scripts/template-oracle/gen_mutations.py). Each must render identically, or, only where this interpreter
/// deliberately refuses (a construct it does not support, or Jinja printing a memory address), raise a
/// non-internal <see cref="TemplateException"/>. Never a different prompt.
/// </summary>
public sealed class MutatedTemplateKnownAnswerTests
{
    [Fact]
    public void Mutated_templates_render_like_jinja2_or_are_refused()
    {
        using var doc = KnownAnswerFiles.Read("mutated-cases.json");
        var root = doc.RootElement;
        var messages = KnownAnswerFiles.Messages(root.GetProperty("conversation"));
        var variables = KnownAnswerFiles.Variables(root.GetProperty("variables"));
        int same = 0, refused = 0;
        var failures = new List<string>();
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var source = c.GetProperty("template").GetString()!;
            var expected = c.GetProperty("expected").GetString()!;
            try
            {
                var actual = ChatTemplate.Parse(source).Render(messages, addGenerationPrompt: true, variables);
                if (actual == expected) same++;
                else failures.Add($"different prompt for {JsonSerializer.Serialize(source)}\n  expected {JsonSerializer.Serialize(expected)}\n  actual   {JsonSerializer.Serialize(actual)}");
            }
            catch (TemplateException ex) when (ex.Kind == TemplateErrorKind.Syntax || expected.Contains(" at 0x", StringComparison.Ordinal)
                                               || (ex.Kind == TemplateErrorKind.Runtime && ex.Message.Contains("printf-style", StringComparison.Ordinal)))
            {
                refused++;
            }
            catch (TemplateException ex)
            {
                failures.Add($"{ex.Kind} {ex.Message} for {JsonSerializer.Serialize(source)}\n  expected {JsonSerializer.Serialize(expected)}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} differ ({same} same, {refused} refused):\n" + string.Join("\n", failures.Take(10)));
        Assert.True(same >= 380, $"only {same} of 400 rendered identically ({refused} refused)");
    }
}
