using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Decoders;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.Normalizers;

namespace AwqSharp.Tokenization;

/// <summary>
/// Ids to text as transformers' fast tokenizers do: ids to token strings (unknown ids dropped, special tokens
/// optionally skipped), the tokenizer.json decoder (tokens joined by spaces when there is none), then
/// transformers' clean_up_tokenization when tokenizer_config.json asks for it.
/// </summary>
internal sealed class DecodingPipeline
{
    private readonly BpeModel _model;
    private readonly Dictionary<int, AddedToken> _added;
    private readonly Dictionary<int, string> _decodeForms = new();

    public DecodingPipeline(BpeModel model, IReadOnlyList<AddedToken> addedTokens, TextNormalizer? normalizer, TokenDecoder? decoder, bool cleanUp)
    {
        _model = model;
        _added = new Dictionary<int, AddedToken>();
        foreach (var t in addedTokens) _added[t.Id] = t;
        foreach (var t in _added.Values)
        {
            // HuggingFace decodes a normalized added token through its normalized form.
            string form = t.Normalized && normalizer is not null ? normalizer.Normalize(t.Content) : t.Content;
            _decodeForms[t.Id] = form;
        }
        Decoder = decoder;
        CleanUp = cleanUp;
    }

    public TokenDecoder? Decoder { get; }

    public bool CleanUp { get; }

    /// <summary>The string a decoder sees for <paramref name="id"/>, or null when the id is unknown or skipped.</summary>
    public string? TokenForDecode(int id, bool skipSpecialTokens)
    {
        if (_added.TryGetValue(id, out var added))
            return skipSpecialTokens && added.Special ? null : _decodeForms[id];
        return _model.IdToToken(id);
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
            if (TokenForDecode(id, skipSpecialTokens) is { } t) tokens.Add(t);
        string text = Decoder is null ? string.Join(' ', tokens) : Decoder.Decode(tokens);
        return CleanUp ? CleanUpTokenization(text) : text;
    }

    /// <summary>transformers' <c>clean_up_tokenization</c>, in its order.</summary>
    public static string CleanUpTokenization(string s) => s
        .Replace(" .", ".", StringComparison.Ordinal)
        .Replace(" ?", "?", StringComparison.Ordinal)
        .Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal)
        .Replace(" ' ", "'", StringComparison.Ordinal)
        .Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal)
        .Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal)
        .Replace(" 're", "'re", StringComparison.Ordinal);

    /// <summary>Longest clean-up pattern: text whose last this-many chars hold no space can be cut there safely.</summary>
    public const int CleanUpReach = 4;
}
