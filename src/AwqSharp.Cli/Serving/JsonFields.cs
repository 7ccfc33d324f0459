using System.Text.Json;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// Typed, validated reads of a request object's fields. A field that is absent or JSON null is "not set"; a field of
/// the wrong type is a 400 that names it (with its path, e.g. <c>messages[2].content</c>) and says what was expected.
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _object;
    private readonly string _path;

    /// <param name="value">Must be a JSON object; anything else is a 400 naming <paramref name="path"/>.</param>
    /// <param name="path">The object's name in error messages ("" for the request body).</param>
    public JsonFields(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid(path.Length == 0 ? null : path, path.Length == 0
                ? $"The request body must be a JSON object, not {Describe(value.ValueKind)}"
                : $"'{path}' must be an object, not {Describe(value.ValueKind)}");
        _object = value;
        _path = path;
    }

    /// <summary>The path of a field of this object, as error messages name it.</summary>
    public string PathOf(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    public bool TryGet(string name, out JsonElement value) =>
        _object.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement Required(string name) =>
        TryGet(name, out var value) ? value : throw ApiException.Invalid(PathOf(name), $"Missing required field '{PathOf(name)}'");

    public string? String(string name) => TryGet(name, out var v) ? AsString(v, PathOf(name)) : null;

    public bool? Boolean(string name)
    {
        if (!TryGet(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(PathOf(name), "a boolean", v),
        };
    }

    /// <summary>A finite number within [min, max] (open at the bottom when <paramref name="minExclusive"/>).</summary>
    public double? Number(string name, double min, double max, bool minExclusive = false)
    {
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double x) || !double.IsFinite(x)) throw WrongType(PathOf(name), "a number", v);
        if (x < min || x > max || (minExclusive && x == min))
            throw ApiException.Invalid(PathOf(name), $"'{PathOf(name)}' must be {(minExclusive ? "greater than" : "at least")} {min} and at most {max}; got {v.GetRawText()}");
        return x;
    }

    /// <summary>An integer within [min, max].</summary>
    public long? Integer(string name, long min, long max)
    {
        if (!TryGet(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long x))
        {
            if (v.ValueKind == JsonValueKind.Number && !v.GetRawText().AsSpan().ContainsAny(".eE"))
                throw ApiException.Invalid(PathOf(name), $"'{PathOf(name)}' is out of range ({min} to {max}); got {v.GetRawText()}");
            throw WrongType(PathOf(name), "an integer", v);
        }
        if (x < min || x > max) throw ApiException.Invalid(PathOf(name), $"'{PathOf(name)}' must be between {min} and {max}; got {x}");
        return x;
    }

    public static string AsString(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(path, "a string", value);

    public static ApiException WrongType(string path, string expected, JsonElement value) =>
        ApiException.Invalid(path, $"'{path}' must be {expected}, not {Describe(value.ValueKind)}");

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
