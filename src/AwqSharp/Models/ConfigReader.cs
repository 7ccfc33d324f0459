using System.Text.Json;
using System.Text.Json.Nodes;

namespace AwqSharp.Models;

/// <summary>Typed access to config.json fields with errors that name the file and the key.</summary>
internal sealed class ConfigReader(JsonObject root, string path)
{
    public string Architecture()
    {
        string? arch = null;
        if (root["architectures"] is JsonArray { Count: > 0 } list && list[0] is JsonValue v && v.TryGetValue<string>(out var a)) arch = a;
        arch ??= String("model_type") switch
        {
            "llama" => "LlamaForCausalLM",
            "mistral" => "MistralForCausalLM",
            "qwen2" => "Qwen2ForCausalLM",
            null => throw new InvalidModelFileException(path, "neither 'architectures' nor 'model_type' is given"),
            var other => other,
        };
        if (!ModelConfig.SupportedArchitectures.Contains(arch))
            throw new UnsupportedModelException($"{path}: architecture '{arch}' is not supported; supported: {string.Join(", ", ModelConfig.SupportedArchitectures)}");
        return arch;
    }

    public string? String(string key) => root[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw Bad(key, "a string"),
    };

    public int RequiredInt(string key) => Int(key) ?? throw new InvalidModelFileException(path, $"required key '{key}' is missing");

    public int? Int(string key)
    {
        var node = root[key];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue<int>(out var i)) { if (i < 0) throw Bad(key, "a non-negative integer"); return i; }
            if (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && d is >= 0 and <= int.MaxValue) return (int)d;
        }
        throw Bad(key, "a non-negative integer");
    }

    public double? Double(string key)
    {
        var node = root[key];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d)) return d;
        throw Bad(key, "a number");
    }

    public bool? Bool(string key)
    {
        var node = root[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
        throw Bad(key, "true or false");
    }

    public IReadOnlyList<int> IntOrList(string key)
    {
        var node = root[key];
        if (node is null) return [];
        if (node is JsonArray arr)
            return arr.Select(n => n is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw Bad(key, "an integer or a list of integers")).ToArray();
        return [Int(key)!.Value];
    }

    public RopeScaling? RopeScaling()
    {
        var node = root["rope_scaling"];
        if (node is null) return null;
        if (node is not JsonObject o) throw Bad("rope_scaling", "an object");
        var sub = new ConfigReader(o, path + ": rope_scaling");
        string type = sub.String("rope_type") ?? sub.String("type") ?? throw new InvalidModelFileException(path, "rope_scaling has no 'rope_type'");
        if (!Models.RopeScaling.SupportedTypes.Contains(type))
            throw new UnsupportedModelException($"{path}: rope_scaling type '{type}' is not supported; supported: {string.Join(", ", Models.RopeScaling.SupportedTypes)}");
        if (type == "default") return null;
        double factor = sub.Double("factor") ?? throw new InvalidModelFileException(path, "rope_scaling.factor is missing");
        if (factor <= 0) throw Bad("rope_scaling.factor", "a positive number");
        return new RopeScaling(type, factor,
            sub.Double("low_freq_factor") ?? 1,
            sub.Double("high_freq_factor") ?? 4,
            sub.Int("original_max_position_embeddings") ?? 8192);
    }

    private InvalidModelFileException Bad(string key, string expected) =>
        new(path, $"key '{key}' must be {expected}, got {root[key]?.ToJsonString() ?? "null"}");
}
