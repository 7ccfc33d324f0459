using System.Text.Json;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Tests.Templates;

/// <summary>The public surface: rendering variables of .NET types, messages from JSON, strftime_now and model-directory loading.</summary>
public sealed class ChatTemplateApiTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    [Fact]
    public void Variables_of_dotnet_types_behave_like_python_values()
    {
        var template = ChatTemplate.Parse("{{ n + 1 }} {{ f }} {{ b }} {{ l|join(',') }} {{ d.k }} {{ d|tojson }} {{ none_value is none }} {{ missing is defined }}");
        var text = template.Render([], false, new Dictionary<string, object?>
        {
            ["n"] = 41, ["f"] = 0.5f, ["b"] = true, ["l"] = new[] { "x", "y" },
            ["d"] = new Dictionary<string, object?> { ["k"] = "v", ["arr"] = new List<object?> { 1, 2.5, null } },
            ["none_value"] = null,
        });
        Assert.Equal("42 0.5 True x,y v {\"k\": \"v\", \"arr\": [1, 2.5, null]} True False", text);
    }

    [Fact]
    public void Tools_passed_as_json_render_like_transformers()
    {
        var tools = JsonDocument.Parse("""[{"type":"function","function":{"name":"f","parameters":{"x":1.0,"y":"é"}}}]""").RootElement;
        var text = ChatTemplate.Parse("{% for t in tools %}{{ t|tojson }}{% endfor %}").Render([], false, new Dictionary<string, object?> { ["tools"] = tools });
        Assert.Equal("""{"type": "function", "function": {"name": "f", "parameters": {"x": 1.0, "y": "é"}}}""", text);
    }

    [Fact]
    public void Tools_and_documents_default_to_none_like_transformers()
    {
        Assert.Equal("True True False", ChatTemplate.Parse("{{ tools is none }} {{ documents is none }} {{ tools is undefined }}").Render([], false));
    }

    [Fact]
    public void Messages_keep_tool_calls_and_extra_fields()
    {
        var messages = ChatMessage.ParseJsonArray("""
            [{"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}], "reasoning_content": "why"}]
            """, "test.json");
        var text = ChatTemplate.Parse("{% for m in messages %}{{ m.tool_calls[0].function.name }}{{ m.tool_calls[0].function.arguments|tojson }}{{ m.reasoning_content }}{{ m.name is defined }}{% endfor %}").Render(messages, false);
        Assert.Equal("f{\"a\": 1}whyFalse", text);
    }

    [Theory]
    [InlineData("{\"role\": \"user\"}", "expected a JSON array")]
    [InlineData("[{\"content\": \"x\"}]", "'role'")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("[{\"role\": ", "not valid JSON")]
    public void Bad_message_files_name_the_file_and_problem(string json, string fragment)
    {
        var ex = Assert.Throws<InvalidModelFileException>(() => ChatMessage.ParseJsonArray(json, "msgs.json"));
        Assert.Contains("msgs.json", ex.Message);
        Assert.Contains(fragment, ex.Message);
    }

    [Fact]
    public void Strftime_now_reads_the_injected_clock()
    {
        var template = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B %Y, %A %H:%M:%S %p %j %y %%') }}")
            .WithClock(new FixedClock(new DateTimeOffset(2024, 7, 5, 14, 3, 9, TimeSpan.Zero)));
        Assert.Equal("05 Jul 2024|5 July 2024, Friday 14:03:09 PM 187 24 %", template.Render([], false));
    }

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer_config.json")]
    public void Loads_llama2_template_and_added_token_objects()
    {
        var template = ChatTemplate.FromModelDirectory(SharedData.Require("data/tokenizers/llama-2-7b-chat-hf"), out var vars);
        Assert.NotNull(template);
        Assert.Equal("<s>", vars["bos_token"]);
        Assert.Equal("</s>", vars["eos_token"]);
        Assert.Equal("<s>[INST] hi [/INST]", template!.Render([new ChatMessage("user", "hi")], true, vars));
    }

    [SharedFact("data/tokenizers/tinyllama-1.1b-chat-v1.0/chat_template.jinja")]
    public void Loads_chat_template_jinja_beside_the_config()
    {
        var template = ChatTemplate.FromModelDirectory(SharedData.Require("data/tokenizers/tinyllama-1.1b-chat-v1.0"), out var vars);
        Assert.NotNull(template);
        Assert.Equal("<|user|>\nhi</s>\n<|assistant|>\n", template!.Render([new ChatMessage("user", "hi")], true, vars));
    }

    [SharedFact("data/tokenizers/qwen3/tokenizer_config.json")]
    public void Qwen3_has_no_bos_and_im_end_as_eos()
    {
        var template = ChatTemplate.FromModelDirectory(SharedData.Require("data/tokenizers/qwen3"), out var vars);
        Assert.NotNull(template);
        Assert.False(vars.ContainsKey("bos_token"));
        Assert.Equal("<|im_end|>", vars["eos_token"]);
    }

    [SharedFact("data/tokenizers/mistral-7b-v0.1/tokenizer_config.json")]
    public void A_base_model_without_template_gives_null()
    {
        Assert.Null(ChatTemplate.FromModelDirectory(SharedData.Require("data/tokenizers/mistral-7b-v0.1"), out var vars));
        Assert.Equal("<s>", vars["bos_token"]);
    }

    [Fact]
    public void Named_templates_pick_default_or_the_requested_name()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer_config.json"), """
            {"bos_token": {"content": "<B>", "lstrip": false}, "eos_token": null,
             "chat_template": [{"name": "default", "template": "D{{ bos_token }}"}, {"name": "tool_use", "template": "T"}]}
            """);
        Assert.Equal("D<B>", ChatTemplate.FromModelDirectory(dir.Path, out var vars)!.Render([], false, vars));
        Assert.False(vars.ContainsKey("eos_token"));
        Assert.Equal("T", ChatTemplate.FromModelDirectory(dir.Path, out _, "tool_use")!.Render([], false));
        var ex = Assert.Throws<InvalidModelFileException>(() => ChatTemplate.FromModelDirectory(dir.Path, out _, "rag"));
        Assert.Contains("tokenizer_config.json", ex.Message);
        Assert.Contains("rag", ex.Message);
    }

    [Fact]
    public void Chat_template_jinja_takes_precedence_and_special_tokens_map_overrides()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer_config.json"), """{"eos_token": "<old>", "chat_template": "config"}""");
        File.WriteAllText(dir.File("special_tokens_map.json"), """{"eos_token": {"content": "<new>"}}""");
        File.WriteAllText(dir.File("chat_template.jinja"), "file {{ eos_token }}\n");
        Assert.Equal("file <new>", ChatTemplate.FromModelDirectory(dir.Path, out var vars)!.Render([], false, vars));
    }

    [Theory]
    [InlineData("{\"chat_template\": 5}", "chat_template")]
    [InlineData("{\"chat_template\": [{\"name\": \"default\"}]}", "template")]
    [InlineData("{\"bos_token\": 3}", "bos_token")]
    [InlineData("{not json", "not valid JSON")]
    public void Malformed_configs_name_file_and_field(string json, string field)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("tokenizer_config.json"), json);
        var ex = Assert.Throws<InvalidModelFileException>(() => ChatTemplate.FromModelDirectory(dir.Path, out _));
        Assert.Contains("tokenizer_config.json", ex.Message);
        Assert.Contains(field, ex.Message);
    }
}
