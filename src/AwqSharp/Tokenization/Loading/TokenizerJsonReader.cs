using System.Text.Json;
using System.Text.RegularExpressions;
using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Decoders;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.Normalizers;
using AwqSharp.Tokenization.PostProcessors;
using AwqSharp.Tokenization.PreTokenizers;

namespace AwqSharp.Tokenization.Loading;

/// <summary>
/// Reads a HuggingFace tokenizer.json (the format of the Rust <c>tokenizers</c> library): a BPE model, added
/// tokens, normalizer, pre-tokenizer, post-processor and decoder. Truncation and padding are ignored, as
/// transformers does unless asked.
/// </summary>
internal static class TokenizerJsonReader
{
    public static TokenizerDefinition Read(string path)
    {
        using var doc = JsonFields.ParseFile(path);
        var f = new JsonFields(path);
        var root = f.Object(doc.RootElement, "(root)");

        var model = ReadModel(f, f.Required(root, "model", "(root)"));
        var normalizer = JsonFields.Optional(root, "normalizer") is { } n ? ReadNormalizer(f, n, "normalizer") : null;
        var added = JsonFields.Optional(root, "added_tokens") is { } a ? ReadAddedTokens(f, a, model) : new List<AddedToken>();

        return new TokenizerDefinition
        {
            Source = path,
            Model = model,
            AddedTokens = added,
            Normalizer = normalizer,
            PreTokenizer = JsonFields.Optional(root, "pre_tokenizer") is { } p ? ReadPreTokenizer(f, p, "pre_tokenizer") : null,
            PostProcessor = JsonFields.Optional(root, "post_processor") is { } pp ? ReadPostProcessor(f, pp, "post_processor") : PostProcessor.None,
            Decoder = JsonFields.Optional(root, "decoder") is { } d ? ReadDecoder(f, d, "decoder") : null,
        };
    }

    private static BpeModel ReadModel(JsonFields f, JsonElement model)
    {
        f.Object(model, "model");
        string? type = f.OptionalString(model, "type", "model");
        if (type is not null and not "BPE")
            throw new UnsupportedModelException($"{f.Path}: model.type \"{type}\" is not supported: AwqSharp reads BPE tokenizers only (Llama, Mistral, Qwen, GPT-2 style)");
        if (type is null && JsonFields.Optional(model, "merges") is null)
            throw f.Error("model", "no \"type\" and no \"merges\": not a BPE model");

        var vocab = ReadVocab(f, f.Required(model, "vocab", "model"), "model.vocab");
        var merges = ReadMerges(f, f.Required(model, "merges", "model"), "model.merges");
        if (JsonFields.Optional(model, "dropout") is { ValueKind: JsonValueKind.Number } dropout && dropout.GetDouble() > 0)
            throw new UnsupportedModelException($"{f.Path}: model.dropout {dropout.GetRawText()} is not supported (BPE dropout is for training)");

        var spec = new BpeModelSpec
        {
            Vocab = vocab,
            Merges = merges,
            UnkToken = f.OptionalString(model, "unk_token", "model"),
            FuseUnk = f.Bool(model, "fuse_unk", "model", false),
            ByteFallback = f.Bool(model, "byte_fallback", "model", false),
            IgnoreMerges = f.Bool(model, "ignore_merges", "model", false),
            ContinuingSubwordPrefix = f.OptionalString(model, "continuing_subword_prefix", "model"),
            EndOfWordSuffix = f.OptionalString(model, "end_of_word_suffix", "model"),
        };
        return new BpeModel(spec, f.Path, "model");
    }

    /// <summary>A vocabulary object: token to id.</summary>
    public static Dictionary<string, int> ReadVocab(JsonFields f, JsonElement vocab, string field)
    {
        f.Object(vocab, field);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw f.Error($"{field}[\"{entry.Name}\"]", $"expected a non-negative integer id, found {JsonFields.Describe(entry.Value)}");
            result[entry.Name] = id;
        }
        return result;
    }

    /// <summary>Merges as "a b" strings (split on the single space) or as ["a", "b"] pairs.</summary>
    private static List<(string, string)> ReadMerges(JsonFields f, JsonElement merges, string field)
    {
        f.Array(merges, field);
        var result = new List<(string, string)>(merges.GetArrayLength());
        int i = 0;
        foreach (var m in merges.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.String)
            {
                string line = m.GetString()!;
                int space = line.IndexOf(' ');
                if (space < 0 || line.IndexOf(' ', space + 1) >= 0)
                    throw f.Error($"{field}[{i}]", $"expected \"left right\" with exactly one space, found \"{line}\"");
                result.Add((line[..space], line[(space + 1)..]));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2
                     && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
            {
                result.Add((m[0].GetString()!, m[1].GetString()!));
            }
            else
            {
                throw f.Error($"{field}[{i}]", $"expected \"left right\" or [\"left\", \"right\"], found {JsonFields.Describe(m)}");
            }
            i++;
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(JsonFields f, JsonElement tokens, BpeModel model)
    {
        f.Array(tokens, "added_tokens");
        var read = new List<AddedToken>();
        int i = 0;
        foreach (var t in tokens.EnumerateArray())
        {
            string field = $"added_tokens[{i++}]";
            f.Object(t, field);
            string content = f.String(f.Required(t, "content", field), $"{field}.content");
            int id = f.Int(f.Required(t, "id", field), $"{field}.id");
            if (id < 0) throw f.Error($"{field}.id", $"negative id {id}");
            read.Add(ReadAddedTokenFlags(f, t, field, id, content, defaultSpecial: false));
        }
        // HuggingFace re-assigns the ids (vocabulary id, else the next free one); they agree with the file's in practice.
        var vocabulary = new AddedVocabulary(model);
        vocabulary.Add(read);
        return [.. vocabulary.Tokens];
    }

    /// <summary>An added token's flags (tokenizer.json added_tokens entry or tokenizer_config AddedToken object).</summary>
    public static AddedToken ReadAddedTokenFlags(JsonFields f, JsonElement t, string field, int id, string content, bool defaultSpecial)
    {
        bool special = f.Bool(t, "special", field, defaultSpecial);
        return new AddedToken(id, content, special,
            SingleWord: f.Bool(t, "single_word", field, false),
            LStrip: f.Bool(t, "lstrip", field, false),
            RStrip: f.Bool(t, "rstrip", field, false),
            Normalized: f.Bool(t, "normalized", field, !special));
    }

    private static string TypeOf(JsonFields f, JsonElement e, string field) =>
        f.String(f.Required(f.Object(e, field), "type", field), $"{field}.type");

    private static UnsupportedModelException Unsupported(JsonFields f, string field, string type, string what) =>
        new($"{f.Path}: {field}.type \"{type}\" is not supported ({what})");

    private static (string? Literal, Regex? Regex, string RawRegex) ReadPattern(JsonFields f, JsonElement obj, string field)
    {
        var pattern = f.Object(f.Required(obj, "pattern", field), $"{field}.pattern");
        if (JsonFields.Optional(pattern, "String") is { } s) return (f.String(s, $"{field}.pattern.String"), null, "");
        if (JsonFields.Optional(pattern, "Regex") is { } r)
        {
            string raw = f.String(r, $"{field}.pattern.Regex");
            try
            {
                return (null, new Regex(raw, RegexOptions.CultureInvariant), raw);
            }
            catch (ArgumentException ex)
            {
                throw new UnsupportedModelException($"{f.Path}: {field}.pattern.Regex cannot be compiled by .NET: {ex.Message}");
            }
        }
        throw f.Error($"{field}.pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }

    public static TextNormalizer ReadNormalizer(JsonFields f, JsonElement e, string field)
    {
        string type = TypeOf(f, e, field);
        switch (type)
        {
            case "Sequence":
            {
                var items = f.Array(f.Required(e, "normalizers", field), $"{field}.normalizers");
                var steps = new List<TextNormalizer>();
                int i = 0;
                foreach (var item in items.EnumerateArray()) steps.Add(ReadNormalizer(f, item, $"{field}.normalizers[{i++}]"));
                return new SequenceNormalizer(steps);
            }
            case "Prepend":
                return new PrependNormalizer(f.String(f.Required(e, "prepend", field), $"{field}.prepend"));
            case "Replace":
            {
                var (literal, regex, _) = ReadPattern(f, e, field);
                string content = f.String(f.Required(e, "content", field), $"{field}.content");
                return literal is not null ? new ReplaceNormalizer(literal, content) : new RegexReplaceNormalizer(regex!, content);
            }
            case "NFC": return new UnicodeNormalizer(compose: true);
            case "NFD": return new UnicodeNormalizer(compose: false);
            case "Lowercase": return new LowercaseNormalizer();
            case "Strip": return new StripNormalizer(f.Bool(e, "strip_left", field, true), f.Bool(e, "strip_right", field, true));
            case "NFKC" or "NFKD":
                throw Unsupported(f, field, type, "compatibility normalization is not implemented; NFC and NFD are");
            default:
                throw Unsupported(f, field, type, "supported: Sequence, Prepend, Replace, NFC, NFD, Lowercase, Strip");
        }
    }

    public static PreTokenizer ReadPreTokenizer(JsonFields f, JsonElement e, string field)
    {
        string type = TypeOf(f, e, field);
        switch (type)
        {
            case "Sequence":
            {
                var items = f.Array(f.Required(e, "pretokenizers", field), $"{field}.pretokenizers");
                var steps = new List<PreTokenizer>();
                int i = 0;
                foreach (var item in items.EnumerateArray()) steps.Add(ReadPreTokenizer(f, item, $"{field}.pretokenizers[{i++}]"));
                return new SequencePreTokenizer(steps);
            }
            case "Split":
            {
                var (literal, _, raw) = ReadPattern(f, e, field);
                ISplitMatcher matcher = literal is not null ? new LiteralMatcher(literal) : SplitPatterns.ForRegex(raw);
                string behavior = f.String(f.Required(e, "behavior", field), $"{field}.behavior");
                if (!Enum.TryParse<SplitBehavior>(behavior, out var b))
                    throw f.Error($"{field}.behavior", $"unknown behavior \"{behavior}\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
                return new SplitPreTokenizer(matcher, b, f.Bool(e, "invert", field, false));
            }
            case "ByteLevel":
                return new ByteLevelPreTokenizer(f.Bool(e, "add_prefix_space", field, true), f.Bool(e, "use_regex", field, true));
            case "Metaspace":
                return new MetaspacePreTokenizer(ReadReplacement(f, e, field), ReadPrependScheme(f, e, field), f.Bool(e, "split", field, true));
            case "Digits":
                return new DigitsPreTokenizer(f.Bool(e, "individual_digits", field, false));
            default:
                throw Unsupported(f, field, type, "supported: Sequence, Split, ByteLevel, Metaspace, Digits");
        }
    }

    private static char ReadReplacement(JsonFields f, JsonElement e, string field) =>
        JsonFields.Optional(e, "replacement") is { } r ? f.Char(r, $"{field}.replacement") : BpeModel.MetaspaceChar;

    /// <summary>prepend_scheme, or the older add_prefix_space (true = always, false = never); default always.</summary>
    private static PrependScheme ReadPrependScheme(JsonFields f, JsonElement e, string field)
    {
        if (f.OptionalString(e, "prepend_scheme", field) is { } scheme)
        {
            return scheme switch
            {
                "always" => PrependScheme.Always,
                "first" => PrependScheme.First,
                "never" => PrependScheme.Never,
                _ => throw f.Error($"{field}.prepend_scheme", $"unknown scheme \"{scheme}\" (expected always, first or never)"),
            };
        }
        return f.Bool(e, "add_prefix_space", field, true) ? PrependScheme.Always : PrependScheme.Never;
    }

    public static TokenDecoder ReadDecoder(JsonFields f, JsonElement e, string field)
    {
        string type = TypeOf(f, e, field);
        switch (type)
        {
            case "Sequence":
            {
                var items = f.Array(f.Required(e, "decoders", field), $"{field}.decoders");
                var steps = new List<TokenDecoder>();
                int i = 0;
                foreach (var item in items.EnumerateArray()) steps.Add(ReadDecoder(f, item, $"{field}.decoders[{i++}]"));
                return new SequenceDecoder(steps);
            }
            case "ByteLevel": return new ByteLevelDecoder();
            case "ByteFallback": return new ByteFallbackDecoder();
            case "Fuse": return new FuseDecoder();
            case "Strip":
                return new StripDecoder(f.Char(f.Required(e, "content", field), $"{field}.content"),
                    f.IntOr(e, "start", field, 0), f.IntOr(e, "stop", field, 0));
            case "Replace":
            {
                var (literal, _, _) = ReadPattern(f, e, field);
                if (literal is null) throw Unsupported(f, field, "Replace with a Regex pattern", "decoders support String patterns");
                return new ReplaceDecoder(literal, f.String(f.Required(e, "content", field), $"{field}.content"));
            }
            case "Metaspace":
                return new MetaspaceDecoder(ReadReplacement(f, e, field), ReadPrependScheme(f, e, field) != PrependScheme.Never);
            default:
                throw Unsupported(f, field, type, "supported: Sequence, ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace");
        }
    }

    public static PostProcessor ReadPostProcessor(JsonFields f, JsonElement e, string field)
    {
        string type = TypeOf(f, e, field);
        switch (type)
        {
            case "Sequence":
            {
                var items = f.Array(f.Required(e, "processors", field), $"{field}.processors");
                var result = PostProcessor.None;
                int i = 0;
                foreach (var item in items.EnumerateArray()) result = result.Then(ReadPostProcessor(f, item, $"{field}.processors[{i++}]"));
                return result;
            }
            case "ByteLevel":
                return PostProcessor.None;
            case "TemplateProcessing":
                return ReadTemplate(f, e, field);
            case "RobertaProcessing" or "BertProcessing":
            {
                int cls = ReadTokenPair(f, f.Required(e, "cls", field), $"{field}.cls");
                int sep = ReadTokenPair(f, f.Required(e, "sep", field), $"{field}.sep");
                return new PostProcessor([cls], [sep]);
            }
            default:
                throw Unsupported(f, field, type, "supported: TemplateProcessing, ByteLevel, Sequence, RobertaProcessing, BertProcessing");
        }
    }

    private static int ReadTokenPair(JsonFields f, JsonElement pair, string field)
    {
        f.Array(pair, field);
        if (pair.GetArrayLength() != 2) throw f.Error(field, "expected [token, id]");
        return f.Int(pair[1], $"{field}[1]");
    }

    /// <summary>TemplateProcessing's "single" template: special tokens before and after sequence $A.</summary>
    private static PostProcessor ReadTemplate(JsonFields f, JsonElement e, string field)
    {
        var single = f.Array(f.Required(e, "single", field), $"{field}.single");
        var specials = JsonFields.Optional(e, "special_tokens") is { } s ? f.Object(s, $"{field}.special_tokens") : default;
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool seenSequence = false;
        int i = 0;
        foreach (var piece in single.EnumerateArray())
        {
            string pf = $"{field}.single[{i++}]";
            f.Object(piece, pf);
            if (JsonFields.Optional(piece, "Sequence") is not null) { seenSequence = true; continue; }
            if (JsonFields.Optional(piece, "SpecialToken") is not { } special)
                throw f.Error(pf, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            string name = f.String(f.Required(special, "id", $"{pf}.SpecialToken"), $"{pf}.SpecialToken.id");
            if (specials.ValueKind != JsonValueKind.Object || JsonFields.Optional(specials, name) is not { } entry)
                throw f.Error($"{field}.special_tokens", $"special token \"{name}\" used by {pf} is not defined");
            var ids = f.Array(f.Required(entry, "ids", $"{field}.special_tokens[\"{name}\"]"), $"{field}.special_tokens[\"{name}\"].ids");
            int k = 0;
            foreach (var id in ids.EnumerateArray())
                (seenSequence ? suffix : prefix).Add(f.Int(id, $"{field}.special_tokens[\"{name}\"].ids[{k++}]"));
        }
        if (!seenSequence) throw f.Error($"{field}.single", "the template has no {\"Sequence\": {\"id\": \"A\"}}");
        return new PostProcessor([.. prefix], [.. suffix]);
    }
}
