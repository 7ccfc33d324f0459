using System.Text;
using System.Text.Json;
using TemplateMessage = AwqSharp.Tokenization.Templates.ChatMessage;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// Reads the JSON body of /v1/chat/completions and /v1/completions into a <see cref="CompletionRequest"/>. Every field
/// this server acts on is type- and range-checked (a 400 names the field); fields it accepts but ignores
/// (user, frequency_penalty, presence_penalty, tool_choice...) are still type-checked; unknown fields are ignored;
/// fields asking for what it cannot do (n &gt; 1, tools, logprobs, echo...) are refused rather than silently dropped.
/// </summary>
internal static class CompletionRequestParser
{
    /// <summary>Most stop strings per request (OpenAI allows 4; llama.cpp any number).</summary>
    public const int MaxStopStrings = 16;

    private static readonly Dictionary<string, string> Roles = new(StringComparer.Ordinal)
    {
        ["system"] = "system", ["developer"] = "system", ["user"] = "user", ["assistant"] = "assistant", ["tool"] = "tool",
    };

    public static CompletionRequest Parse(JsonElement body, EndpointKind kind)
    {
        var fields = new JsonFields(body, "");
        IReadOnlyList<TemplateMessage>? messages = null;
        string? promptText = null;
        int[]? promptIds = null;
        if (kind == EndpointKind.Chat) messages = ReadMessages(fields.Required("messages"));
        else (promptText, promptIds) = ReadPrompt(fields.Required("prompt"));

        long? maxTokens = fields.Integer("max_completion_tokens", 1, int.MaxValue) ?? fields.Integer("max_tokens", 1, int.MaxValue);
        if (fields.Integer("n", 1, 128) is > 1) throw ApiException.Unsupported("n", "more than one choice (n > 1)");
        if (fields.Integer("best_of", 1, 128) is > 1) throw ApiException.Unsupported("best_of", "best_of > 1");
        _ = fields.Number("frequency_penalty", -2, 2);
        _ = fields.Number("presence_penalty", -2, 2);
        _ = fields.String("user");
        if (fields.TryGet("logit_bias", out var bias))
        {
            _ = new JsonFields(bias, "logit_bias"); // must be an object
            if (bias.EnumerateObject().Any()) throw ApiException.Unsupported("logit_bias", "logit_bias");
        }
        if (fields.TryGet("tools", out var tools))
        {
            if (tools.ValueKind != JsonValueKind.Array) throw JsonFields.WrongType("tools", "an array", tools);
            if (tools.GetArrayLength() > 0) throw ApiException.Unsupported("tools", "tool calling");
        }
        if (fields.TryGet("response_format", out var format))
        {
            var type = new JsonFields(format, "response_format").String("type");
            if (type is not null and not "text") throw ApiException.Unsupported("response_format", $"response format '{type}'");
        }
        if (kind == EndpointKind.Chat)
        {
            if (fields.Boolean("logprobs") == true) throw ApiException.Unsupported("logprobs", "logprobs");
        }
        else
        {
            if (fields.Integer("logprobs", 0, 20) is > 0) throw ApiException.Unsupported("logprobs", "logprobs");
            if (fields.Boolean("echo") == true) throw ApiException.Unsupported("echo", "echo");
            if (fields.String("suffix") is { Length: > 0 }) throw ApiException.Unsupported("suffix", "suffix (insertion)");
        }

        bool stream = fields.Boolean("stream") ?? false;
        bool includeUsage = false;
        if (fields.TryGet("stream_options", out var streamOptions))
            includeUsage = new JsonFields(streamOptions, "stream_options").Boolean("include_usage") ?? false;

        return new CompletionRequest
        {
            Kind = kind,
            Model = fields.String("model"),
            Messages = messages,
            PromptText = promptText,
            PromptIds = promptIds,
            MaxTokens = (int?)maxTokens,
            Temperature = (float?)fields.Number("temperature", 0, 2),
            TopP = (float?)fields.Number("top_p", 0, 1, minExclusive: true),
            TopK = (int?)fields.Integer("top_k", 0, int.MaxValue),
            MinP = (float?)fields.Number("min_p", 0, 1),
            RepetitionPenalty = (float?)fields.Number("repetition_penalty", 0, 10, minExclusive: true),
            Seed = ReadSeed(fields),
            Stop = ReadStop(fields),
            Stream = stream,
            IncludeUsage = stream && includeUsage,
            IgnoreEos = fields.Boolean("ignore_eos") ?? false,
        };
    }

    private static List<TemplateMessage> ReadMessages(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array) throw JsonFields.WrongType("messages", "an array of message objects", value);
        if (value.GetArrayLength() == 0) throw ApiException.Invalid("messages", "'messages' must hold at least one message");
        var messages = new List<TemplateMessage>();
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var message = new JsonFields(item, $"messages[{index}]");
            string role = JsonFields.AsString(message.Required("role"), message.PathOf("role"));
            if (!Roles.TryGetValue(role, out var templateRole))
                throw ApiException.Invalid(message.PathOf("role"), $"'{message.PathOf("role")}' must be one of {string.Join(", ", Roles.Keys)}; got '{role}'");
            string content = message.TryGet("content", out var c) ? ReadContent(c, message.PathOf("content")) : "";
            messages.Add(new TemplateMessage(templateRole, content));
            index++;
        }
        return messages;
    }

    /// <summary>A message's content: a string, or an array of text parts (<c>{"type": "text", "text": ...}</c>), joined.</summary>
    private static string ReadContent(JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.String) return value.GetString()!;
        if (value.ValueKind != JsonValueKind.Array) throw JsonFields.WrongType(path, "a string or an array of content parts", value);
        var text = new StringBuilder();
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var part = new JsonFields(item, $"{path}[{index}]");
            string type = JsonFields.AsString(part.Required("type"), part.PathOf("type"));
            if (type != "text") throw ApiException.Unsupported(part.PathOf("type"), $"content of type '{type}' (only text)");
            text.Append(JsonFields.AsString(part.Required("text"), part.PathOf("text")));
            index++;
        }
        return text.ToString();
    }

    /// <summary>A prompt: a string, an array holding one string, or an array of token ids.</summary>
    private static (string? Text, int[]? Ids) ReadPrompt(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String) return (value.GetString()!, null);
        if (value.ValueKind != JsonValueKind.Array) throw JsonFields.WrongType("prompt", "a string, an array of strings or an array of token ids", value);
        int count = value.GetArrayLength();
        if (count == 0) throw ApiException.Invalid("prompt", "'prompt' must not be an empty array");
        var first = value[0];
        if (first.ValueKind == JsonValueKind.String)
        {
            if (count > 1) throw ApiException.Unsupported("prompt", "more than one prompt per request");
            return (first.GetString()!, null);
        }
        var ids = new int[count];
        int index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array) throw ApiException.Unsupported("prompt", "more than one prompt per request");
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[index]) || ids[index] < 0)
                throw ApiException.Invalid($"prompt[{index}]", $"'prompt[{index}]' must be a token id (a non-negative integer), not {item.GetRawText()}");
            index++;
        }
        return (null, ids);
    }

    private static ulong? ReadSeed(JsonFields fields)
    {
        if (!fields.TryGet("seed", out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out long signed)) return unchecked((ulong)signed);
            if (v.TryGetUInt64(out ulong unsigned)) return unsigned;
        }
        throw JsonFields.WrongType("seed", "an integer", v);
    }

    private static List<string> ReadStop(JsonFields fields)
    {
        if (!fields.TryGet("stop", out var v)) return [];
        if (v.ValueKind == JsonValueKind.String) return NonEmpty([v.GetString()!]);
        if (v.ValueKind != JsonValueKind.Array) throw JsonFields.WrongType("stop", "a string or an array of strings", v);
        if (v.GetArrayLength() > MaxStopStrings) throw ApiException.Invalid("stop", $"'stop' may hold at most {MaxStopStrings} strings");
        var stops = new List<string>();
        int index = 0;
        foreach (var item in v.EnumerateArray()) stops.Add(JsonFields.AsString(item, $"stop[{index++}]"));
        return NonEmpty(stops);
    }

    /// <summary>Empty stop strings would end every generation at once; like OpenAI, they are dropped.</summary>
    private static List<string> NonEmpty(List<string> stops) => stops.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
}
