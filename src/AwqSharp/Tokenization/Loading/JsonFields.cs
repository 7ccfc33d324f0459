using System.Text.Json;

namespace AwqSharp.Tokenization.Loading;

/// <summary>Typed access to JSON fields that reports bad input as <see cref="InvalidModelFileException"/> naming file and field.</summary>
internal readonly struct JsonFields(string path)
{
    public string Path { get; } = path;

    public static JsonDocument Parse(string path, byte[] bytes)
    {
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidModelFileException(path, $"not valid JSON (truncated or malformed): {ex.Message}", ex);
        }
    }

    public static JsonDocument ParseFile(string path) => Parse(path, File.ReadAllBytes(path));

    public InvalidModelFileException Error(string field, string message) => new(Path, $"{field}: {message}");

    public JsonElement Object(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(field, $"expected an object, found {Describe(e)}");
        return e;
    }

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public JsonElement Required(JsonElement obj, string name, string field)
    {
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null) return v;
        throw Error(field, $"required field \"{name}\" is missing");
    }

    public string String(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.String) throw Error(field, $"expected a string, found {Describe(e)}");
        return e.GetString()!;
    }

    public string? OptionalString(JsonElement obj, string name, string field) =>
        Optional(obj, name) is { } v ? String(v, $"{field}.{name}") : null;

    public bool Bool(JsonElement obj, string name, string field, bool fallback)
    {
        if (Optional(obj, name) is not { } v) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"{field}.{name}", $"expected true or false, found {Describe(v)}"),
        };
    }

    public bool? OptionalBool(JsonElement obj, string name, string field) =>
        Optional(obj, name) is null ? null : Bool(obj, name, field, false);

    public int Int(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v)) throw Error(field, $"expected an integer, found {Describe(e)}");
        return v;
    }

    public int IntOr(JsonElement obj, string name, string field, int fallback) =>
        Optional(obj, name) is { } v ? Int(v, $"{field}.{name}") : fallback;

    public JsonElement Array(JsonElement e, string field)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Error(field, $"expected an array, found {Describe(e)}");
        return e;
    }

    /// <summary>A one-character string (Metaspace replacement, Strip content).</summary>
    public char Char(JsonElement e, string field)
    {
        string s = String(e, field);
        if (s.Length != 1) throw Error(field, $"expected a single character, found \"{s}\"");
        return s[0];
    }

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Truncate(e.GetString()!)}\"",
        JsonValueKind.Number => $"number {e.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
