using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Templates;

/// <summary>
/// Every real chat template of ../shared, rendered for many conversations, must equal byte for byte what Jinja2
/// renders in transformers' environment (KnownAnswers/chat-templates.json, from scripts/template-oracle), and must
/// fail where Jinja2 fails (raise_exception with the same message).
/// </summary>
public sealed class RealTemplateKnownAnswerTests
{
    public static TheoryData<string> TemplateIds()
    {
        using var doc = KnownAnswerFiles.Read("chat-templates.json");
        var data = new TheoryData<string>();
        foreach (var t in doc.RootElement.GetProperty("templates").EnumerateArray()) data.Add(t.GetProperty("id").GetString()!);
        return data;
    }

    [SharedTheory("data/tokenizers")]
    [MemberData(nameof(TemplateIds))]
    public void Renders_every_conversation_exactly_as_jinja2(string id)
    {
        using var doc = KnownAnswerFiles.Read("chat-templates.json");
        var root = doc.RootElement;
        var entry = root.GetProperty("templates").EnumerateArray().Single(t => t.GetProperty("id").GetString() == id);
        var relative = entry.GetProperty("path").GetString()!;
        var source = ReadTemplate(SharedData.Require(relative), entry.GetProperty("kind").GetString()!);
        Assert.Equal(entry.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source))));

        var template = ChatTemplate.Parse(source);
        var baseVariables = KnownAnswerFiles.Variables(entry.GetProperty("variables"));
        var conversations = root.GetProperty("conversations");
        var failures = new List<string>();
        int checkedCases = 0;
        foreach (var c in entry.GetProperty("cases").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString()!;
            var messages = KnownAnswerFiles.Messages(conversations.GetProperty(c.GetProperty("conversation").GetString()!));
            var variables = new Dictionary<string, object?>(baseVariables);
            foreach (var (k, v) in KnownAnswerFiles.Variables(c.GetProperty("variables"))) variables[k] = v;
            bool agp = c.GetProperty("add_generation_prompt").GetBoolean();
            checkedCases++;
            if (c.TryGetProperty("expected", out var expected))
            {
                try
                {
                    var actual = template.Render(messages, agp, variables);
                    if (actual != expected.GetString()) failures.Add($"{name}: expected {JsonSerializer.Serialize(expected.GetString())}\n   actual   {JsonSerializer.Serialize(actual)}");
                }
                catch (TemplateException ex) { failures.Add($"{name}: threw {ex.Message}"); }
            }
            else
            {
                var error = c.GetProperty("error");
                try
                {
                    var actual = template.Render(messages, agp, variables);
                    failures.Add($"{name}: expected {error.GetProperty("type").GetString()} but rendered {JsonSerializer.Serialize(actual)}");
                }
                catch (TemplateException ex)
                {
                    if (error.GetProperty("type").GetString() == "TemplateError")
                    {
                        if (ex.Kind != TemplateErrorKind.Raised || ex.Detail != error.GetProperty("message").GetString())
                            failures.Add($"{name}: expected raise_exception('{error.GetProperty("message").GetString()}'), got {ex.Kind}: {ex.Message}");
                    }
                    else if (ex.Kind is not (TemplateErrorKind.Runtime or TemplateErrorKind.Raised))
                        failures.Add($"{name}: expected a runtime error, got {ex.Kind}: {ex.Message}");
                }
            }
        }
        Assert.True(checkedCases > 10, $"only {checkedCases} cases for {id}");
        Assert.True(failures.Count == 0, $"{failures.Count}/{checkedCases} cases differ from Jinja2:\n" + string.Join("\n", failures));
    }

    internal static string ReadTemplate(string path, string kind)
    {
        var text = File.ReadAllText(path);
        if (kind == "jinja") return text;
        using var doc = JsonDocument.Parse(text);
        var field = doc.RootElement.GetProperty("chat_template");
        return field.ValueKind == JsonValueKind.String
            ? field.GetString()!
            : field.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "default").GetProperty("template").GetString()!;
    }
}
