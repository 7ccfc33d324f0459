using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Decoders;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.Normalizers;
using AwqSharp.Tokenization.PostProcessors;
using AwqSharp.Tokenization.PreTokenizers;

namespace AwqSharp.Tokenization.Loading;

/// <summary>The parts of a tokenizer as one of the file formats describes them (before tokenizer_config.json is applied).</summary>
internal sealed class TokenizerDefinition
{
    /// <summary>File the definition was read from.</summary>
    public required string Source { get; init; }

    public required BpeModel Model { get; init; }

    public required List<AddedToken> AddedTokens { get; init; }

    public TextNormalizer? Normalizer { get; init; }

    public PreTokenizer? PreTokenizer { get; init; }

    public required PostProcessor PostProcessor { get; set; }

    public TokenDecoder? Decoder { get; init; }
}
