using System.Diagnostics;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Templates;

/// <summary>Unsupported constructs and runaway templates end in a clear <see cref="TemplateException"/> naming the construct and line.</summary>
public sealed class TemplateErrorTests
{
    private static TemplateException Fails(string source, TemplateLimits? limits = null, IReadOnlyList<ChatMessage>? messages = null) =>
        Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source, limits).Render(messages ?? [new ChatMessage("user", "hi")], true));

    [Theory]
    [InlineData("a\nb\n{% include 'other.jinja' %}", "include", 3)]
    [InlineData("{% extends 'base' %}", "extends", 1)]
    [InlineData("x\n{% for m in messages recursive %}{{ loop(m.children) }}{% endfor %}", "recursive", 2)]
    [InlineData("{% macro m() %}{% endmacro %}\n\n{% call m() %}x{% endcall %}", "call", 3)]
    [InlineData("{% if true %}\n{% do x.append(1) %}\n{% endif %}", "do", 2)]
    [InlineData("{{ messages|frobnicate }}", "frobnicate", 1)]
    [InlineData("{{ 1 is frobnicated }}", "frobnicated", 1)]
    public void Unsupported_or_unknown_constructs_name_themselves_and_their_line(string source, string construct, int line)
    {
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
        Assert.Equal(TemplateErrorKind.Syntax, ex.Kind);
        Assert.Equal(line, ex.Line);
        Assert.Contains(construct, ex.Message);
        Assert.Contains($"line {line}", ex.Message);
    }

    [Theory]
    [InlineData("{{ messages|groupby('role') }}", "groupby")]
    [InlineData("\n{{ 'x'|safe }}", "safe")]
    [InlineData("{{ '%s'|format(1) }}", "format")]
    [InlineData("{% if false %}{{ x|frobnicate }}{% endif %}{{ y|frobnicate }}", "frobnicate")]
    [InlineData("{{ 'a %s' % 'b' }}", "formatting")]
    [InlineData("{{ strftime_now('%Q') }}", "%Q")]
    public void Unsupported_runtime_features_are_reported_not_guessed(string source, string fragment)
    {
        var ex = Fails(source);
        Assert.Contains(fragment, ex.Message);
        Assert.NotNull(ex.Line);
    }

    [Fact]
    public void Like_jinja_unknown_filters_inside_if_blocks_only_fail_when_reached()
    {
        var template = ChatTemplate.Parse("{% if add_generation_prompt %}{{ 'x'|frobnicate }}{% endif %}ok{{ 'y' if false else 'z'|safe if false else 'w' }}");
        Assert.Equal("okw", template.Render([], addGenerationPrompt: false));
        Assert.Contains("frobnicate", Assert.Throws<TemplateException>(() => template.Render([], addGenerationPrompt: true)).Message);
    }

    [Fact]
    public void Runtime_errors_carry_the_line_of_the_statement()
    {
        var ex = Fails("{% for m in messages %}\n  {{ m.content }}\n  {{ m.missing.deeper }}\n{% endfor %}");
        Assert.Equal(TemplateErrorKind.Runtime, ex.Kind);
        Assert.Equal(3, ex.Line);
        Assert.Contains("'dict object' has no attribute 'missing'", ex.Message);
    }

    [Fact]
    public void Raise_exception_keeps_the_template_message()
    {
        var ex = Fails("{{ raise_exception('Only user and assistant roles are supported!') }}");
        Assert.Equal(TemplateErrorKind.Raised, ex.Kind);
        Assert.Equal("Only user and assistant roles are supported!", ex.Detail);
        Assert.IsAssignableFrom<AwqException>(ex);
    }

    [Fact]
    public void Nested_loops_stop_at_the_step_limit_quickly()
    {
        var sw = Stopwatch.StartNew();
        var ex = Fails("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", new TemplateLimits { MaxSteps = 200_000 });
        Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public void Infinite_macro_recursion_stops_at_the_depth_limit()
    {
        var ex = Fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
    }

    [Theory]
    [InlineData("{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}")]
    [InlineData("{{ 'x' * 10000000000 }}")]
    [InlineData("{{ [0] * 100000000 }}")]
    [InlineData("{% set s = 'ab' %}{{ s.center(100000000) }}")]
    [InlineData("{{ 'x'|indent(1000000000) }}")]
    public void Output_and_value_sizes_are_bounded(string source)
    {
        var ex = Fails(source, new TemplateLimits { MaxOutputLength = 100_000 });
        Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
    }

    [Fact]
    public void Range_is_bounded_like_jinjas_sandbox()
    {
        Assert.Equal(TemplateErrorKind.Limit, Fails("{{ range(100001)|length }}").Kind);
        Assert.Equal("100000", ChatTemplate.Parse("{{ range(100000)|length }}").Render([], false));
    }

    [Theory]
    [InlineData(100_000, "(", ")")]
    [InlineData(100_000, "[", "]")]
    [InlineData(100_000, "not ", "")]
    [InlineData(100_000, "-", "")]
    [InlineData(100_000, "x if x else ", "")]
    [InlineData(20_000, "{% if true %}", "{% endif %}")]
    [InlineData(20_000, "{% for x in y %}", "{% endfor %}")]
    public void Deep_nesting_is_a_limit_error_not_a_stack_overflow(int depth, string opener, string closer)
    {
        var source = "{{ " + string.Concat(Enumerable.Repeat(opener, depth)) + "1" + string.Concat(Enumerable.Repeat(closer, depth)) + " }}";
        if (opener.StartsWith("{%")) source = string.Concat(Enumerable.Repeat(opener, depth)) + string.Concat(Enumerable.Repeat(closer, depth));
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
        Assert.Equal(TemplateErrorKind.Limit, ex.Kind);
    }

    [Fact]
    public void Printing_functions_is_refused_rather_than_inventing_an_address()
    {
        var ex = Fails("{{ raise_exception }}");
        Assert.Equal(TemplateErrorKind.Runtime, ex.Kind);
    }

    [Fact]
    public void Integer_overflow_is_reported()
    {
        Assert.Equal(TemplateErrorKind.Runtime, Fails("{{ 9223372036854775807 + 1 }}").Kind);
        Assert.Equal(TemplateErrorKind.Syntax, Assert.Throws<TemplateException>(() => ChatTemplate.Parse("{{ 99999999999999999999 }}")).Kind);
    }
}
