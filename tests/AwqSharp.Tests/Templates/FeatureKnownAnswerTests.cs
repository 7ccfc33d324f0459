using System.Text.Json;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Templates;

/// <summary>
/// Small templates exercising one Jinja feature each (whitespace control, literals, operators, scoping, loops,
/// macros, filters, tests, string methods, errors), compared with what Jinja2 renders in transformers'
/// environment (KnownAnswers/feature-cases.json, from scripts/template-oracle/gen_features.py).
/// </summary>
public sealed class FeatureKnownAnswerTests
{
    public static TheoryData<string> CaseNames()
    {
        using var doc = KnownAnswerFiles.Read("feature-cases.json");
        var data = new TheoryData<string>();
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_jinja2(string name)
    {
        using var doc = KnownAnswerFiles.Read("feature-cases.json");
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var source = c.GetProperty("template").GetString()!;
        var variables = KnownAnswerFiles.Variables(c.GetProperty("context"));

        if (c.TryGetProperty("expected", out var expected))
        {
            var actual = ChatTemplate.Parse(source).Render([], addGenerationPrompt: false, variables);
            Assert.Equal(expected.GetString(), actual);
            return;
        }
        var error = c.GetProperty("error");
        var type = error.GetProperty("type").GetString()!;
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source).Render([], addGenerationPrompt: false, variables));
        Assert.NotEqual(TemplateErrorKind.Internal, ex.Kind);
        switch (type)
        {
            case "TemplateSyntaxError" or "TemplateAssertionError" or "SyntaxError":
                Assert.Equal(TemplateErrorKind.Syntax, ex.Kind);
                Assert.NotNull(ex.Line);
                break;
            case "TemplateError":
                Assert.Equal(TemplateErrorKind.Raised, ex.Kind);
                Assert.Equal(error.GetProperty("message").GetString(), ex.Detail);
                break;
            case "UndefinedError" or "SecurityError":
                Assert.Equal(TemplateErrorKind.Runtime, ex.Kind);
                Assert.Equal(error.GetProperty("message").GetString(), ex.Detail);
                break;
            case "OverflowError":
                Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
                break;
            default:
                Assert.Equal(TemplateErrorKind.Runtime, ex.Kind);
                break;
        }
    }
}
