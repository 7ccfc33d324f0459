using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Converts caller-supplied .NET values (strings, numbers, JSON, dictionaries, lists, messages) into template values.</summary>
internal static class ValueConverter
{
    private const int MaxNesting = 200;

    public static object? FromClr(object? value, string path) => Convert(value, path, 0);

    private static TemplateException Unsupported(string path, object value) =>
        new(TemplateErrorKind.Runtime, $"variable '{path}': values of type {value.GetType().FullName} cannot be passed to a chat template");

    private static object? Convert(object? value, string path, int depth)
    {
        if (depth > MaxNesting) throw new TemplateException(TemplateErrorKind.Limit, $"variable '{path}' is nested deeper than {MaxNesting} levels");
        switch (value)
        {
            case null: return null;
            case string or bool or long or double: return value;
            case int or short or sbyte or byte or ushort or uint: return System.Convert.ToInt64(value, CultureInfo.InvariantCulture);
            case ulong ul: return ul <= long.MaxValue ? (long)ul : (double)ul;
            case float f: return (double)f;
            case decimal m: return (double)m;
            case char c: return c.ToString();
            case Enum e: return e.ToString();
            case PyDict or PyTuple or Namespace or ICallable: return value;
            case ChatMessage message: return FromMessage(message, path, depth);
            case JsonElement element: return FromJson(element, path, depth);
            case JsonNode node: return FromJson(JsonSerializer.SerializeToElement(node), path, depth);
            case IDictionary dictionary:
            {
                var dict = new PyDict();
                foreach (DictionaryEntry entry in dictionary)
                    dict.Set(Convert(entry.Key, path, depth + 1), Convert(entry.Value, $"{path}.{entry.Key}", depth + 1));
                return dict;
            }
            case IEnumerable<KeyValuePair<string, object?>> pairs:
            {
                var dict = new PyDict();
                foreach (var (k, v) in pairs) dict.Set(k, Convert(v, $"{path}.{k}", depth + 1));
                return dict;
            }
            case IEnumerable sequence:
            {
                var list = new List<object?>();
                int i = 0;
                foreach (var item in sequence) list.Add(Convert(item, $"{path}[{i++}]", depth + 1));
                return list;
            }
            default: throw Unsupported(path, value);
        }
    }

    /// <summary>A message as the dict transformers hands to the template: role, content, then only the optional fields that are set.</summary>
    private static PyDict FromMessage(ChatMessage message, string path, int depth)
    {
        var dict = new PyDict();
        dict.Set("role", message.Role);
        dict.Set("content", message.Content);
        if (message.ToolCalls is not null) dict.Set("tool_calls", Convert(message.ToolCalls, $"{path}.tool_calls", depth + 1));
        if (message.Extra is not null)
            foreach (var (k, v) in message.Extra) dict.Set(k, Convert(v, $"{path}.{k}", depth + 1));
        return dict;
    }

    /// <summary>JSON as Python's json.loads sees it: integers stay int, other numbers become float.</summary>
    public static object? FromJson(JsonElement element, string path, int depth = 0)
    {
        if (depth > MaxNesting) throw new TemplateException(TemplateErrorKind.Limit, $"variable '{path}' is nested deeper than {MaxNesting} levels");
        switch (element.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined: return null;
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.String: return element.GetString();
            case JsonValueKind.Number:
            {
                var raw = element.GetRawText();
                bool integral = raw.IndexOfAny(['.', 'e', 'E']) < 0;
                if (integral && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                if (integral) throw new TemplateException(TemplateErrorKind.Runtime, $"variable '{path}': integer {raw} does not fit in 64 bits");
                return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            case JsonValueKind.Array:
            {
                var list = new List<object?>();
                int i = 0;
                foreach (var item in element.EnumerateArray()) list.Add(FromJson(item, $"{path}[{i++}]", depth + 1));
                return list;
            }
            default:
            {
                var dict = new PyDict();
                foreach (var prop in element.EnumerateObject()) dict.Set(prop.Name, FromJson(prop.Value, $"{path}.{prop.Name}", depth + 1));
                return dict;
            }
        }
    }
}
