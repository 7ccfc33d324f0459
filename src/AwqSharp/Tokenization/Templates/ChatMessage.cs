using System.Text.Json;
using AwqSharp.Tokenization.Templates.Runtime;

namespace AwqSharp.Tokenization.Templates;

/// <summary>
/// One turn of a conversation, as the <c>messages</c> list of <c>apply_chat_template</c> holds it. The template
/// sees a dict with <c>role</c> and <c>content</c>, plus <c>tool_calls</c> when <see cref="ToolCalls"/> is set and any
/// <see cref="Extra"/> fields (e.g. <c>reasoning_content</c>, <c>name</c>, <c>tool_call_id</c>; an Extra "content" replaces Content).
/// </summary>
/// <param name="Role">"system", "user", "assistant", "tool"...</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>Tool calls of an assistant turn: a list of {"type": "function", "function": {"name", "arguments"}} objects (JSON or .NET dictionaries).</summary>
    public IReadOnlyList<object?>? ToolCalls { get; init; }

    /// <summary>Any other fields the template may read.</summary>
    public IReadOnlyDictionary<string, object?>? Extra { get; init; }

    /// <summary>Reads a JSON array of message objects (<c>[{"role": ..., "content": ...}, ...]</c>); other fields are kept.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">Names the file in error messages.</param>
    public static IReadOnlyList<ChatMessage> ParseJsonArray(string json, string sourceName)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw new InvalidModelFileException(sourceName, $"not valid JSON: {ex.Message}", ex); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidModelFileException(sourceName, "expected a JSON array of {\"role\", \"content\"} objects");
            var messages = new List<ChatMessage>();
            int index = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                    throw new InvalidModelFileException(sourceName, $"message [{index}] is not a JSON object");
                if (!item.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
                    throw new InvalidModelFileException(sourceName, $"message [{index}] has no string field 'role'");
                string content = "";
                IReadOnlyList<object?>? toolCalls = null;
                var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var prop in item.EnumerateObject())
                {
                    switch (prop.Name)
                    {
                        case "role": break;
                        case "content" when prop.Value.ValueKind == JsonValueKind.String: content = prop.Value.GetString()!; break;
                        case "tool_calls" when prop.Value.ValueKind == JsonValueKind.Array: toolCalls = prop.Value.EnumerateArray().Select(e => (object?)e.Clone()).ToList(); break;
                        default: extra[prop.Name] = prop.Value.Clone(); break;
                    }
                }
                messages.Add(new ChatMessage(role.GetString()!, content) { ToolCalls = toolCalls, Extra = extra.Count > 0 ? extra : null });
                index++;
            }
            return messages;
        }
    }
}
