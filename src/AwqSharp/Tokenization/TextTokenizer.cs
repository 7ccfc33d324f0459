using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Loading;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.PostProcessors;

namespace AwqSharp.Tokenization;

/// <summary>
/// A tokenizer that gives the same ids and text as HuggingFace transformers' fast tokenizers for the
/// Llama family: SentencePiece-style BPE with byte fallback (Llama-2, Mistral, TinyLlama) and byte-level BPE
/// (Llama-3, Qwen2/3, GPT-2). Loaded from tokenizer.json, or vocab.json + merges.txt, or a SentencePiece
/// tokenizer.model, plus tokenizer_config.json for special tokens, clean-up and chat templates.
/// Instances are immutable and thread-safe.
/// </summary>
public sealed class TextTokenizer
{
    private static readonly string[] LlamaLikeClasses =
        ["LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast"];

    private static readonly string[] FallbackEosNames = ["</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>", "<|im_end|>"];

    private readonly BpeModel _model;
    private readonly Dictionary<int, AddedToken> _addedById = new();
    private readonly Dictionary<string, int> _addedByContent = new(StringComparer.Ordinal);
    private readonly EncodingPipeline _encoder;

    private TextTokenizer(TokenizerDefinition definition, TokenizerConfig config, bool fromTokenizerJson)
    {
        _model = definition.Model;
        Source = definition.Source;
        var added = MergeAddedTokens(definition, config);
        foreach (var t in added)
        {
            _addedById[t.Id] = t;
            _addedByContent[t.Content] = t.Id;
        }
        VocabSize = Math.Max(_model.IdLimit, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);

        BosToken = config.BosToken ?? TokenOf(definition.PostProcessor.Prefix.FirstOrDefault(-1));
        BosTokenId = BosToken is null ? null : TokenToId(BosToken);
        EosToken = config.EosToken ?? TokenOf(definition.PostProcessor.Suffix.FirstOrDefault(-1))
            ?? FallbackEosNames.FirstOrDefault(n => _addedByContent.TryGetValue(n, out int id) && _addedById[id].Special);
        EosTokenId = EosToken is null ? null : TokenToId(EosToken);
        var eosIds = new List<int>();
        if (EosTokenId is { } eos) eosIds.Add(eos);
        foreach (int id in config.GenerationEosIds)
            if (!eosIds.Contains(id)) eosIds.Add(id);
        EosTokenIds = eosIds.AsReadOnly();

        var post = definition.PostProcessor;
        if (fromTokenizerJson && config.TokenizerClass is { } cls && LlamaLikeClasses.Contains(cls))
        {
            // transformers' LlamaTokenizerFast.update_post_processor rebuilds the template from the config.
            bool addBos = config.AddBosToken ?? true, addEos = config.AddEosToken ?? false;
            post = new PostProcessor(addBos && BosTokenId is { } b ? [b] : [], addEos && EosTokenId is { } e ? [e] : []);
        }
        AddBosToken = BosTokenId is { } bosId && post.Prefix.Length > 0 && post.Prefix[0] == bosId;
        AddEosToken = EosTokenId is { } eosId && post.Suffix.Length > 0 && post.Suffix[^1] == eosId;
        CleanUpTokenizationSpaces = config.CleanUpTokenizationSpaces;
        ChatTemplate = config.ChatTemplate;
        NamedChatTemplates = new Dictionary<string, string>(config.NamedChatTemplates, StringComparer.Ordinal).AsReadOnly();

        _encoder = new EncodingPipeline(_model, added, definition.Normalizer, definition.PreTokenizer, post);
        Decoding = new DecodingPipeline(_model, added, definition.Normalizer, definition.Decoder, config.CleanUpTokenizationSpaces);
    }

    /// <summary>
    /// Loads the tokenizer of a model directory (or a folder holding only tokenizer files): tokenizer.json if
    /// present, else vocab.json + merges.txt, else a SentencePiece tokenizer.model; tokenizer_config.json,
    /// special_tokens_map.json, chat_template.jinja and generation_config.json are read when present.
    /// A path to one of those tokenizer files is accepted too.
    /// </summary>
    /// <exception cref="InvalidModelFileException">A file is missing, malformed or truncated (the message names file and field).</exception>
    /// <exception cref="UnsupportedModelException">The tokenizer is not BPE (WordPiece, Unigram...) or uses an unsupported component.</exception>
    public static TextTokenizer Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string? file = null;
        if (File.Exists(directory))
        {
            file = Path.GetFullPath(directory);
            directory = Path.GetDirectoryName(file)!;
        }
        else if (!Directory.Exists(directory))
        {
            throw new InvalidModelFileException(directory, "no such directory");
        }

        var config = TokenizerConfig.Read(directory);
        string json = file is not null && file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !file.EndsWith("vocab.json", StringComparison.OrdinalIgnoreCase)
            ? file : Path.Combine(directory, "tokenizer.json");
        string vocab = Path.Combine(directory, "vocab.json"), merges = Path.Combine(directory, "merges.txt");
        string model = file is not null && file.EndsWith(".model", StringComparison.OrdinalIgnoreCase) ? file : Path.Combine(directory, "tokenizer.model");

        if (File.Exists(json) && (file is null || file == json))
            return new TextTokenizer(TokenizerJsonReader.Read(json), config, fromTokenizerJson: true);
        if (File.Exists(vocab) && File.Exists(merges) && (file is null || file == vocab || file == merges))
            return new TextTokenizer(VocabMergesReader.Read(vocab, merges, config), config, fromTokenizerJson: false);
        if (File.Exists(model))
            return new TextTokenizer(SentencePieceModelReader.Read(model, config), config, fromTokenizerJson: false);
        if (File.Exists(vocab) != File.Exists(merges))
            throw new InvalidModelFileException(directory, File.Exists(vocab) ? "vocab.json is present but merges.txt is missing" : "merges.txt is present but vocab.json is missing");
        throw new InvalidModelFileException(directory, "no tokenizer found: expected tokenizer.json, vocab.json + merges.txt, or tokenizer.model");
    }

    /// <summary>The tokenizer file that was read.</summary>
    public string Source { get; }

    /// <summary>Size of the id space: one more than the largest id (model vocabulary and added tokens).</summary>
    public int VocabSize { get; }

    /// <summary>Beginning-of-sequence token (tokenizer_config.json, else the post-processor's first token), or null.</summary>
    public string? BosToken { get; }

    /// <summary>Id of <see cref="BosToken"/>, or null.</summary>
    public int? BosTokenId { get; }

    /// <summary>End-of-sequence token (tokenizer_config.json, else the post-processor's or a conventional one such as &lt;/s&gt;), or null.</summary>
    public string? EosToken { get; }

    /// <summary>Id of <see cref="EosToken"/>, or null.</summary>
    public int? EosTokenId { get; }

    /// <summary>Ids that end generation: <see cref="EosTokenId"/>, then any other eos_token_id of generation_config.json (e.g. Llama-3's &lt;|eot_id|&gt;).</summary>
    public IReadOnlyList<int> EosTokenIds { get; }

    /// <summary>Whether <see cref="Encode"/> with special tokens puts <see cref="BosTokenId"/> first.</summary>
    public bool AddBosToken { get; }

    /// <summary>Whether <see cref="Encode"/> with special tokens puts <see cref="EosTokenId"/> last.</summary>
    public bool AddEosToken { get; }

    /// <summary>Whether <see cref="Decode"/> applies transformers' clean_up_tokenization (" ." to "." and so on).</summary>
    public bool CleanUpTokenizationSpaces { get; }

    /// <summary>The default chat template (Jinja source), or null when the tokenizer has none.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Named chat templates (tokenizer_config "chat_template" as a list, or additional_chat_templates/*.jinja; includes "default" when there are several).</summary>
    public IReadOnlyDictionary<string, string> NamedChatTemplates { get; }

    internal DecodingPipeline Decoding { get; }

    internal BpeModel Model => _model;

    internal EncodingPipeline Encoder => _encoder;

    /// <summary>
    /// Token ids of <paramref name="text"/>, exactly as HuggingFace's <c>encode(text, add_special_tokens)</c>.
    /// Special-token strings written in the text (e.g. "&lt;s&gt;", "&lt;|im_start|&gt;") are matched as tokens.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _encoder.Encode(text, addSpecialTokens);
    }

    /// <summary>
    /// Text of <paramref name="ids"/>, as transformers' <c>decode(ids, skip_special_tokens)</c>; unknown ids are ignored.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) => Decoding.Decode(ids, skipSpecialTokens);

    /// <summary>The raw vocabulary string of a token (e.g. "▁Hello", "Ġworld", "&lt;0x0A&gt;", "&lt;s&gt;").</summary>
    /// <exception cref="ArgumentOutOfRangeException">No token has this id.</exception>
    public string IdToToken(int id) =>
        _addedById.TryGetValue(id, out var t) ? t.Content
        : _model.IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"no token has id {id} (vocabulary size {VocabSize})");

    /// <summary>Id of a token given by its raw vocabulary string, or null.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _addedByContent.TryGetValue(token, out int id) ? id : _model.TokenToId(token);
    }

    /// <summary>Whether <paramref name="id"/> is a special token (skipped by <see cref="Decode"/> with skipSpecialTokens).</summary>
    public bool IsSpecial(int id) => _addedById.TryGetValue(id, out var t) && t.Special;

    private string? TokenOf(int id) => id < 0 ? null : _addedById.TryGetValue(id, out var t) ? t.Content : _model.IdToToken(id);

    /// <summary>
    /// The file's added tokens, then (as transformers does) tokenizer_config.json's added_tokens_decoder entries
    /// whose id is not yet an added token, then the config's special tokens that are not yet added tokens.
    /// </summary>
    private List<AddedToken> MergeAddedTokens(TokenizerDefinition definition, TokenizerConfig config)
    {
        var vocabulary = new AddedVocabulary(_model);
        vocabulary.Add(definition.AddedTokens);
        vocabulary.Add(config.AddedTokens.OrderBy(t => t.Id).Where(t => !vocabulary.ContainsId(t.Id)).ToList());
        var specials = new List<AddedToken>();
        foreach (string special in config.AllSpecialTokens())
        {
            if (vocabulary.Contains(special) || specials.Any(s => s.Content == special)) continue;
            var flags = config.SpecialTokenFlags.GetValueOrDefault(special);
            specials.Add(flags is null ? new AddedToken(-1, special, Special: true) : flags with { Special = true });
        }
        vocabulary.Add(specials);
        return [.. vocabulary.Tokens];
    }
}
