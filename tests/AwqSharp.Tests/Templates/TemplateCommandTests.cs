using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Templates;

/// <summary>`awq template` run in-process: prints exactly the rendered prompt, and one-line errors otherwise.</summary>
[Collection("Console")]
public sealed class TemplateCommandTests
{
    [Fact]
    public void Prints_the_rendered_prompt_exactly()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer_config.json"), """
            {"bos_token": {"content": "<s>"}, "eos_token": "</s>",
             "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}"}
            """);
        File.WriteAllText(dir.File("messages.json"), """[{"role": "user", "content": "héllo"}, {"role": "assistant", "content": "hi"}]""");

        var plain = CliRunner.Run("template", "--model", dir.Path, "--messages", dir.File("messages.json"));
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal("<s>[user] héllo</s>\n[assistant] hi</s>\n", plain.Stdout);

        var withPrompt = CliRunner.Run("template", "--model", dir.Path, "--messages", dir.File("messages.json"), "--add-generation-prompt");
        Assert.Equal("<s>[user] héllo</s>\n[assistant] hi</s>\n[assistant]", withPrompt.Stdout);
    }

    [SharedFact("data/tokenizers/qwen2.5-0.5b/tokenizer_config.json")]
    public void Renders_qwen25_with_tools_from_files()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("messages.json"), """[{"role": "user", "content": "Weather?"}]""");
        File.WriteAllText(dir.File("tools.json"), """[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]""");
        var r = CliRunner.Run("template", "--model", SharedData.Require("data/tokenizers/qwen2.5-0.5b"), "--messages", dir.File("messages.json"),
            "--tools", dir.File("tools.json"), "--add-generation-prompt");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("<|im_start|>system\nYou are a helpful assistant.\n\n# Tools\n", r.Stdout);
        Assert.Contains("\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\"}}}\n</tools>", r.Stdout);
        Assert.EndsWith("<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n", r.Stdout);
    }

    [Fact]
    public void Template_errors_are_one_line_with_exit_code_1()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("chat_template.jinja"), "{% for m in messages %}\n{{ raise_exception('roles must alternate') }}\n{% endfor %}");
        File.WriteAllText(dir.File("messages.json"), """[{"role": "user", "content": "x"}]""");
        var r = CliRunner.Run("template", "--model", dir.Path, "--messages", dir.File("messages.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("roles must alternate", r.Stderr);
        Assert.Contains("line 2", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void A_directory_without_template_or_a_bad_messages_file_is_reported()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer_config.json"), """{"eos_token": "</s>"}""");
        File.WriteAllText(dir.File("messages.json"), """[{"role": "user", "content": "x"}]""");
        var none = CliRunner.Run("template", "--model", dir.Path, "--messages", dir.File("messages.json"));
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no chat template", none.Stderr);

        File.WriteAllText(dir.File("chat_template.jinja"), "{{ messages[0].content }}");
        File.WriteAllText(dir.File("bad.json"), """{"role": "user"}""");
        var bad = CliRunner.Run("template", "--model", dir.Path, "--messages", dir.File("bad.json"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("bad.json", bad.Stderr);
    }
}
