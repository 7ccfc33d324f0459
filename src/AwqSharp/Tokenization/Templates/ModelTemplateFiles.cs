using System.Text.Json;

namespace AwqSharp.Tokenization.Templates;

/// <summary>Finds a model directory's chat template and special tokens, the way transformers' tokenizer loading does.</summary>
internal static class ModelTemplateFiles
{
    private static readonly string[] SpecialTokenKeys = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

    public static string? Load(string directory, string? templateName, out IReadOnlyDictionary<string, object?> variables, out string origin)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: model directory not found");
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
        variables = vars;
        string? source = null;
        origin = directory;

        var configPath = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var config = ReadJson(configPath);
            ReadSpecialTokens(config.RootElement, configPath, vars);
            if (config.RootElement.TryGetProperty("chat_template", out var template) && template.ValueKind != JsonValueKind.Null)
            {
                source = ReadTemplateField(template, configPath, templateName);
                origin = configPath;
            }
        }
        var mapPath = Path.Combine(directory, "special_tokens_map.json");
        if (File.Exists(mapPath))
        {
            using var map = ReadJson(mapPath);
            ReadSpecialTokens(map.RootElement, mapPath, vars);
        }
        var jinjaPath = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinjaPath))
        {
            source = File.ReadAllText(jinjaPath);
            origin = jinjaPath;
        }
        else if (source is null)
        {
            var jsonPath = Path.Combine(directory, "chat_template.json");
            if (File.Exists(jsonPath))
            {
                using var json = ReadJson(jsonPath);
                if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("chat_template", out var t))
                    throw new InvalidModelFileException(jsonPath, "field 'chat_template' is missing");
                source = ReadTemplateField(t, jsonPath, templateName);
                origin = jsonPath;
            }
        }
        return source;
    }

    private static JsonDocument ReadJson(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true }); }
        catch (JsonException ex) { throw new InvalidModelFileException(path, $"not valid JSON: {ex.Message}", ex); }
    }

    /// <summary>A template field: a string, or a list of {"name", "template"} objects from which one is chosen by name.</summary>
    private static string ReadTemplateField(JsonElement field, string path, string? templateName)
    {
        if (field.ValueKind == JsonValueKind.String) return field.GetString()!;
        if (field.ValueKind != JsonValueKind.Array)
            throw new InvalidModelFileException(path, $"field 'chat_template' must be a string or a list of {{\"name\", \"template\"}} objects, not {field.ValueKind}");
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in field.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.String)
                throw new InvalidModelFileException(path, "field 'chat_template': each entry must be an object with string fields 'name' and 'template'");
            named[name.GetString()!] = template.GetString()!;
        }
        var wanted = templateName ?? "default";
        if (named.TryGetValue(wanted, out var chosen)) return chosen;
        throw new InvalidModelFileException(path, $"field 'chat_template' has no template named '{wanted}' (it has: {string.Join(", ", named.Keys)})");
    }

    /// <summary>Special tokens may be plain strings or AddedToken objects ({"content": ...}); null ones are left out, as in transformers' special_tokens_map.</summary>
    private static void ReadSpecialTokens(JsonElement root, string path, Dictionary<string, object?> vars)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidModelFileException(path, "expected a JSON object");
        foreach (var key in SpecialTokenKeys)
        {
            if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            vars[key] = TokenText(value, path, key);
        }
        if (root.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array)
            vars["additional_special_tokens"] = extra.EnumerateArray().Select((e, i) => (object?)TokenText(e, path, $"additional_special_tokens[{i}]")).ToList();
    }

    private static string TokenText(JsonElement value, string path, string field) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString()!,
        _ => throw new InvalidModelFileException(path, $"field '{field}' must be a string or an object with a string 'content'"),
    };
}
