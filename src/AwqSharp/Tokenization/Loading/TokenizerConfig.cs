using System.Text.Json;
using AwqSharp.Tokenization.AddedTokens;

namespace AwqSharp.Tokenization.Loading;

/// <summary>
/// What transformers reads from tokenizer_config.json (with special_tokens_map.json as fallback for the
/// special tokens, chat_template.jinja / chat_template.json / additional_chat_templates/ for templates,
/// and generation_config.json for extra end-of-sequence ids). Every file is optional.
/// </summary>
internal sealed class TokenizerConfig
{
    public bool? AddBosToken { get; private set; }
    public bool? AddEosToken { get; private set; }
    public string? BosToken { get; private set; }
    public string? EosToken { get; private set; }
    public string? UnkToken { get; private set; }
    public string? PadToken { get; private set; }
    public bool CleanUpTokenizationSpaces { get; private set; }
    public string? TokenizerClass { get; private set; }
    public bool? Legacy { get; private set; }
    public bool? AddPrefixSpace { get; private set; }
    public string? ChatTemplate { get; private set; }
    public Dictionary<string, string> NamedChatTemplates { get; } = new(StringComparer.Ordinal);
    public List<string> AdditionalSpecialTokens { get; } = [];

    /// <summary>added_tokens_decoder entries (id given by the key).</summary>
    public List<AddedToken> AddedTokens { get; } = [];

    /// <summary>Flags given for the special tokens (AddedToken objects), by content.</summary>
    public Dictionary<string, AddedToken> SpecialTokenFlags { get; } = new(StringComparer.Ordinal);

    /// <summary>eos_token_id of generation_config.json (an int or a list).</summary>
    public List<int> GenerationEosIds { get; } = [];

    /// <summary>Reads the optional files of <paramref name="directory"/>.</summary>
    public static TokenizerConfig Read(string directory)
    {
        var config = new TokenizerConfig();
        string main = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(main)) config.ReadMain(main);
        // As in transformers, special_tokens_map.json overrides the special tokens of tokenizer_config.json.
        string specialMap = Path.Combine(directory, "special_tokens_map.json");
        if (File.Exists(specialMap)) config.ReadSpecialTokens(specialMap);
        config.ReadTemplateFiles(directory);
        string generation = Path.Combine(directory, "generation_config.json");
        if (File.Exists(generation)) config.ReadGenerationConfig(generation);
        return config;
    }

    /// <summary>Every special token named by the config (bos, eos, unk, pad, additional).</summary>
    public IEnumerable<string> AllSpecialTokens()
    {
        foreach (var t in new[] { BosToken, EosToken, UnkToken, PadToken })
            if (t is not null) yield return t;
        foreach (var t in AdditionalSpecialTokens) yield return t;
    }

    private void ReadMain(string path)
    {
        using var doc = JsonFields.ParseFile(path);
        var f = new JsonFields(path);
        var root = f.Object(doc.RootElement, "(root)");
        AddBosToken = f.OptionalBool(root, "add_bos_token", "(root)");
        AddEosToken = f.OptionalBool(root, "add_eos_token", "(root)");
        CleanUpTokenizationSpaces = f.Bool(root, "clean_up_tokenization_spaces", "(root)", false);
        TokenizerClass = f.OptionalString(root, "tokenizer_class", "(root)");
        Legacy = f.OptionalBool(root, "legacy", "(root)");
        AddPrefixSpace = f.OptionalBool(root, "add_prefix_space", "(root)");

        if (JsonFields.Optional(root, "added_tokens_decoder") is { } decoder)
        {
            f.Object(decoder, "added_tokens_decoder");
            foreach (var entry in decoder.EnumerateObject())
            {
                string field = $"added_tokens_decoder[\"{entry.Name}\"]";
                if (!int.TryParse(entry.Name, out int id) || id < 0) throw f.Error(field, "the key must be a non-negative integer id");
                f.Object(entry.Value, field);
                string content = f.String(f.Required(entry.Value, "content", field), $"{field}.content");
                AddedTokens.Add(TokenizerJsonReader.ReadAddedTokenFlags(f, entry.Value, field, id, content, defaultSpecial: false));
            }
        }
        ReadSpecialTokens(f, root);
        if (JsonFields.Optional(root, "chat_template") is { } template) ReadChatTemplate(f, template, "chat_template");
    }

    private void ReadSpecialTokens(string path)
    {
        using var doc = JsonFields.ParseFile(path);
        var f = new JsonFields(path);
        ReadSpecialTokens(f, f.Object(doc.RootElement, "(root)"));
    }

    private void ReadSpecialTokens(JsonFields f, JsonElement root)
    {
        BosToken = SpecialToken(f, root, "bos_token") ?? BosToken;
        EosToken = SpecialToken(f, root, "eos_token") ?? EosToken;
        UnkToken = SpecialToken(f, root, "unk_token") ?? UnkToken;
        PadToken = SpecialToken(f, root, "pad_token") ?? PadToken;
        if (JsonFields.Optional(root, "additional_special_tokens") is { } extra)
        {
            f.Array(extra, "additional_special_tokens");
            int i = 0;
            foreach (var t in extra.EnumerateArray())
            {
                string? content = TokenContent(f, t, $"additional_special_tokens[{i++}]");
                if (content is not null && !AdditionalSpecialTokens.Contains(content)) AdditionalSpecialTokens.Add(content);
            }
        }
    }

    /// <summary>A special token given as a string or as an AddedToken object ({"content": ..., "lstrip": ...}).</summary>
    private string? SpecialToken(JsonFields f, JsonElement root, string name) =>
        JsonFields.Optional(root, name) is { } v ? TokenContent(f, v, name) : null;

    private string? TokenContent(JsonFields f, JsonElement v, string field)
    {
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind != JsonValueKind.Object) throw f.Error(field, $"expected a string or an AddedToken object, found {JsonFields.Describe(v)}");
        string content = f.String(f.Required(v, "content", field), $"{field}.content");
        SpecialTokenFlags[content] = TokenizerJsonReader.ReadAddedTokenFlags(f, v, field, -1, content, defaultSpecial: true);
        return content;
    }

    /// <summary>A template string, or a list of {"name", "template"} (the one named "default" is the default).</summary>
    private void ReadChatTemplate(JsonFields f, JsonElement template, string field)
    {
        if (template.ValueKind == JsonValueKind.String) { ChatTemplate = template.GetString(); return; }
        f.Array(template, field);
        int i = 0;
        foreach (var item in template.EnumerateArray())
        {
            string itemField = $"{field}[{i++}]";
            f.Object(item, itemField);
            string name = f.String(f.Required(item, "name", itemField), $"{itemField}.name");
            string text = f.String(f.Required(item, "template", itemField), $"{itemField}.template");
            NamedChatTemplates[name] = text;
        }
        if (NamedChatTemplates.TryGetValue("default", out var d)) ChatTemplate = d;
    }

    private void ReadTemplateFiles(string directory)
    {
        string jinja = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinja)) ChatTemplate = File.ReadAllText(jinja);
        else
        {
            string json = Path.Combine(directory, "chat_template.json");
            if (File.Exists(json))
            {
                using var doc = JsonFields.ParseFile(json);
                var f = new JsonFields(json);
                if (JsonFields.Optional(f.Object(doc.RootElement, "(root)"), "chat_template") is { } t) ReadChatTemplate(f, t, "chat_template");
            }
        }
        string extra = Path.Combine(directory, "additional_chat_templates");
        if (Directory.Exists(extra))
            foreach (var file in Directory.EnumerateFiles(extra, "*.jinja").Order(StringComparer.Ordinal))
                NamedChatTemplates[Path.GetFileNameWithoutExtension(file)] = File.ReadAllText(file);
        if (ChatTemplate is not null && NamedChatTemplates.Count > 0) NamedChatTemplates.TryAdd("default", ChatTemplate);
    }

    private void ReadGenerationConfig(string path)
    {
        using var doc = JsonFields.ParseFile(path);
        var f = new JsonFields(path);
        var root = f.Object(doc.RootElement, "(root)");
        if (JsonFields.Optional(root, "eos_token_id") is not { } eos) return;
        if (eos.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var id in eos.EnumerateArray()) GenerationEosIds.Add(f.Int(id, $"eos_token_id[{i++}]"));
        }
        else GenerationEosIds.Add(f.Int(eos, "eos_token_id"));
    }
}
