using System.Text.Json;
using System.Text.Json.Nodes;
using AwqSharp.Quantization;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// The <c>quantization_config</c> of an AWQ checkpoint: AutoAWQ's (<c>quant_method "awq"</c>, GEMM layout, as written by
/// <c>save_quantized</c> and read by vLLM / transformers) or AwqSharp's own (<c>quant_method "awqsharp"</c>, any bit width
/// and ragged groups; see docs/checkpoint-format.md).
/// </summary>
public sealed record AwqQuantizationConfig
{
    /// <summary><c>quant_method</c> of AutoAWQ checkpoints.</summary>
    public const string AutoAwqMethod = "awq";
    /// <summary><c>quant_method</c> of AwqSharp's own layout.</summary>
    public const string AwqSharpMethod = "awqsharp";
    /// <summary>The only AutoAWQ <c>version</c> (layout) read and written.</summary>
    public const string GemmVersion = "gemm";
    /// <summary>The current version of AwqSharp's own layout.</summary>
    public const string AwqSharpVersion = "1";

    /// <summary>Legacy files that hold the config on their own (TheBloke's quant_config.json; vLLM also looks at quantize_config.json).</summary>
    public static IReadOnlyList<string> LegacyFileNames { get; } = ["quant_config.json", "quantize_config.json"];

    /// <summary>"awq" or "awqsharp".</summary>
    public string QuantMethod { get; init; } = AutoAwqMethod;
    public int Bits { get; init; } = 4;
    /// <summary>Inputs per group, or -1 for per-channel.</summary>
    public int GroupSize { get; init; } = 128;
    public bool ZeroPoint { get; init; } = true;
    /// <summary>"gemm" for "awq"; "1" for "awqsharp".</summary>
    public string Version { get; init; } = GemmVersion;
    /// <summary>Module name fragments left unquantized (substring match on the module path, as vLLM); null when none.</summary>
    public IReadOnlyList<string>? ModulesToNotConvert { get; init; }

    /// <summary>True for AutoAWQ GEMM checkpoints.</summary>
    public bool IsAutoAwq => QuantMethod == AutoAwqMethod;

    /// <summary>An AutoAWQ GEMM config for weights quantized with <paramref name="options"/> (4-bit; scales in float16).</summary>
    /// <remarks>Symmetric weights are stored with their explicit zero point 8, so the config says <c>zero_point: true</c>.</remarks>
    public static AwqQuantizationConfig ForAutoAwq(QuantizationOptions options, IReadOnlyList<string>? modulesToNotConvert = null)
    {
        options.Validate();
        if (options.Bits != AutoAwqPacking.Bits)
            throw new AwqException($"AutoAWQ GEMM stores 4-bit codes only; QuantizationOptions.Bits is {options.Bits} (use the awqsharp format)");
        return new AwqQuantizationConfig { GroupSize = options.GroupSize, ModulesToNotConvert = modulesToNotConvert };
    }

    /// <summary>An AwqSharp-layout config for weights quantized with <paramref name="options"/>.</summary>
    public static AwqQuantizationConfig ForAwqSharp(QuantizationOptions options, IReadOnlyList<string>? modulesToNotConvert = null)
    {
        options.Validate();
        return new AwqQuantizationConfig
        {
            QuantMethod = AwqSharpMethod, Bits = options.Bits, GroupSize = options.GroupSize, ZeroPoint = options.ZeroPoint,
            Version = AwqSharpVersion, ModulesToNotConvert = modulesToNotConvert,
        };
    }

    /// <summary>The quantizer settings these weights were made with (precision: float32).</summary>
    public QuantizationOptions ToQuantizationOptions() => new(Bits, GroupSize, ZeroPoint);

    /// <summary>Group size actually used for a linear with <paramref name="inFeatures"/> inputs (as <see cref="QuantizationOptions.EffectiveGroupSize"/>).</summary>
    public int EffectiveGroupSize(int inFeatures) => ToQuantizationOptions().EffectiveGroupSize(inFeatures);

    /// <summary>Whether the module <paramref name="moduleName"/> is quantized (not listed in <see cref="ModulesToNotConvert"/>).</summary>
    public bool IsQuantized(string moduleName) =>
        ModulesToNotConvert is null || !ModulesToNotConvert.Any(m => moduleName.Contains(m, StringComparison.Ordinal));

    /// <summary>
    /// Reads the config of a model directory: <c>config.json</c>'s <c>quantization_config</c>, else a legacy
    /// <see cref="LegacyFileNames"/> file. Returns null for an unquantized model.
    /// </summary>
    /// <exception cref="InvalidModelFileException">Malformed JSON or fields.</exception>
    /// <exception cref="UnsupportedModelException">Another quantization method or AutoAWQ layout.</exception>
    public static AwqQuantizationConfig? FromModelDirectory(string directory)
    {
        var configPath = Path.Combine(directory, "config.json");
        if (File.Exists(configPath))
        {
            var root = ParseJsonObject(File.ReadAllText(configPath), configPath);
            if (root["quantization_config"] is JsonObject q) return Parse(q, configPath + ": quantization_config");
            if (root["quantization_config"] is { } other)
                throw new InvalidModelFileException(configPath, $"quantization_config must be an object, got {other.GetValueKind()}");
        }
        foreach (var name in LegacyFileNames)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path)) return Parse(ParseJsonObject(File.ReadAllText(path), path), path);
        }
        return null;
    }

    /// <summary>Parses a <c>quantization_config</c> JSON text.</summary>
    public static AwqQuantizationConfig Parse(string json, string source = "quantization_config") => Parse(ParseJsonObject(json, source), source);

    /// <summary>
    /// Parses a <c>quantization_config</c> object. Accepts AutoAWQ's keys (<c>quant_method, bits, group_size, zero_point,
    /// version, modules_to_not_convert</c>) and the legacy spellings <c>w_bit</c> / <c>q_group_size</c> (a missing
    /// <c>quant_method</c> means "awq", a missing <c>version</c> means "gemm"). Unknown keys are ignored.
    /// </summary>
    /// <param name="node">The JSON object.</param>
    /// <param name="source">File (and field) named in error messages.</param>
    public static AwqQuantizationConfig Parse(JsonObject node, string source)
    {
        ArgumentNullException.ThrowIfNull(node);
        string method = (OptionalString(node, source, "quant_method") ?? AutoAwqMethod).ToLowerInvariant();
        if (method != AutoAwqMethod && method != AwqSharpMethod)
            throw new UnsupportedModelException($"{source}: quant_method \"{method}\" is not supported (expected \"{AutoAwqMethod}\" or \"{AwqSharpMethod}\")");

        int bits = RequiredInt(node, source, "bits", "w_bit");
        int group = RequiredInt(node, source, "group_size", "q_group_size");
        bool zeroPoint = node["zero_point"] switch
        {
            null => true,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            var other => throw new InvalidModelFileException(source, $"zero_point must be true or false, got {other.ToJsonString()}"),
        };
        string version = (OptionalString(node, source, "version") ?? (method == AutoAwqMethod ? GemmVersion : AwqSharpVersion)).ToLowerInvariant();

        if (bits is < 2 or > 8) throw new InvalidModelFileException(source, $"bits must be 2..8, got {bits}");
        if (group == 0 || group < -1) throw new InvalidModelFileException(source, $"group_size must be >= 1 or -1 (per-channel), got {group}");
        if (method == AutoAwqMethod)
        {
            if (version != GemmVersion)
                throw new UnsupportedModelException($"{source}: AutoAWQ version \"{version}\" is not supported; only the \"gemm\" layout is read");
            if (bits != AutoAwqPacking.Bits)
                throw new UnsupportedModelException($"{source}: bits = {bits}; the AutoAWQ GEMM layout is 4-bit only");
        }
        else if (version != AwqSharpVersion)
            throw new UnsupportedModelException($"{source}: awqsharp layout version \"{version}\" is not supported (this build reads \"{AwqSharpVersion}\")");

        return new AwqQuantizationConfig
        {
            QuantMethod = method, Bits = bits, GroupSize = group, ZeroPoint = zeroPoint, Version = version,
            ModulesToNotConvert = ParseModules(node, source),
        };
    }

    /// <summary>
    /// The JSON object written into <c>config.json</c> as <c>quantization_config</c>, with keys in AutoAWQ's
    /// <c>to_transformers_dict</c> set (sorted, as transformers writes them).
    /// </summary>
    public JsonObject ToJson()
    {
        JsonNode? modules = ModulesToNotConvert is null ? null : new JsonArray(ModulesToNotConvert.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray());
        return new JsonObject
        {
            ["bits"] = Bits,
            ["group_size"] = GroupSize,
            ["modules_to_not_convert"] = modules,
            ["quant_method"] = QuantMethod,
            ["version"] = Version,
            ["zero_point"] = ZeroPoint,
        };
    }

    private static JsonObject ParseJsonObject(string json, string source)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new InvalidModelFileException(source, "expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidModelFileException(source, $"invalid JSON: {e.Message}", e);
        }
    }

    private static string? OptionalString(JsonObject node, string source, string key) => node[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new InvalidModelFileException(source, $"{key} must be a string, got {other.ToJsonString()}"),
    };

    private static int RequiredInt(JsonObject node, string source, string key, string legacyKey)
    {
        var (name, value) = node[key] is { } v ? (key, v) : node[legacyKey] is { } l ? (legacyKey, l) : (key, null);
        if (value is null) throw new InvalidModelFileException(source, $"{key} (or {legacyKey}) is missing");
        if (value is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number && jv.TryGetValue(out int i)) return i;
        if (value is JsonValue jd && jd.GetValueKind() == JsonValueKind.Number && jd.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        throw new InvalidModelFileException(source, $"{name} must be an integer, got {value.ToJsonString()}");
    }

    private static IReadOnlyList<string>? ParseModules(JsonObject node, string source)
    {
        switch (node["modules_to_not_convert"])
        {
            case null: return null;
            case JsonArray array:
                var list = new List<string>(array.Count);
                foreach (var item in array)
                {
                    if (item is JsonValue v && v.GetValueKind() == JsonValueKind.String) list.Add(v.GetValue<string>());
                    else throw new InvalidModelFileException(source, $"modules_to_not_convert must hold strings, got {item?.ToJsonString() ?? "null"}");
                }
                return list;
            case var other:
                throw new InvalidModelFileException(source, $"modules_to_not_convert must be null or an array of strings, got {other.ToJsonString()}");
        }
    }
}
