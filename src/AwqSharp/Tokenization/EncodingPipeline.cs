using AwqSharp.Tokenization.AddedTokens;
using AwqSharp.Tokenization.Model;
using AwqSharp.Tokenization.Normalizers;
using AwqSharp.Tokenization.PostProcessors;
using AwqSharp.Tokenization.PreTokenizers;

namespace AwqSharp.Tokenization;

/// <summary>
/// Text to ids, in HuggingFace's order: split on added tokens in the raw text, normalize each remaining
/// segment, split on normalized added tokens, pre-tokenize, BPE each pre-token, then the post-processor's
/// special tokens. Thread-safe; pre-tokens stream to the model without intermediate lists.
/// </summary>
internal sealed class EncodingPipeline
{
    private readonly AddedTokenMatcher? _rawTokens;
    private readonly AddedTokenMatcher? _normalizedTokens;
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly BpeModel _model;

    public EncodingPipeline(BpeModel model, IReadOnlyList<AddedToken> addedTokens, TextNormalizer? normalizer, PreTokenizer? preTokenizer, PostProcessor postProcessor)
    {
        _model = model;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        PostProcessor = postProcessor;
        var raw = addedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)).ToList();
        // A normalized token is looked for in its normalized form (what HuggingFace caches for it).
        var normalized = addedTokens.Where(t => t.Normalized).Select(t => (normalizer?.Normalize(t.Content) ?? t.Content, t)).ToList();
        _rawTokens = raw.Count > 0 ? new AddedTokenMatcher(raw) : null;
        _normalizedTokens = normalized.Count > 0 ? new AddedTokenMatcher(normalized) : null;
    }

    public PostProcessor PostProcessor { get; }

    public int[] Encode(string text, bool addSpecialTokens)
    {
        var ids = new IdBuffer(text.Length / 3 + 8);
        if (addSpecialTokens) ids.AddRange(PostProcessor.Prefix);
        var sink = new ModelSink(_model.StartSession(ids));

        if (_rawTokens is null)
        {
            EncodeSegment(text, 0, text.Length, sink);
        }
        else
        {
            var segments = new List<TextSegment>();
            _rawTokens.Split(text, segments);
            foreach (var s in segments)
            {
                if (s.IsToken) ids.Add(s.TokenId);
                else EncodeSegment(text, s.Start, s.Length, sink);
            }
        }

        if (addSpecialTokens) ids.AddRange(PostProcessor.Suffix);
        return ids.ToArray();
    }

    /// <summary>Normalizes, splits on normalized added tokens, pre-tokenizes and encodes one plain-text segment.</summary>
    private void EncodeSegment(string text, int start, int length, ModelSink sink)
    {
        if (length == 0) return;
        string normalized;
        int offset = 0;
        if (_normalizer is not null)
        {
            normalized = _normalizer.Normalize(text.Substring(start, length));
            length = normalized.Length;
        }
        else
        {
            normalized = text;
            offset = start;
        }
        bool atOrigin = start == 0;

        if (_normalizedTokens is null)
        {
            PreTokenize(new Piece(normalized, offset, length, atOrigin, false), sink);
            return;
        }
        var segments = new List<TextSegment>();
        _normalizedTokens.Split(normalized.AsSpan(offset, length), segments);
        foreach (var s in segments)
        {
            if (s.IsToken) sink.Ids.Add(s.TokenId);
            else PreTokenize(new Piece(normalized, offset + s.Start, s.Length, atOrigin && s.Start == 0, false), sink);
        }
    }

    /// <summary>The pre-tokens of <paramref name="text"/> (taken as one normalized segment at the start of the input), in the model's alphabet.</summary>
    internal List<string> PreTokens(string text)
    {
        var pieces = new List<Piece>();
        var input = new Piece(text, 0, text.Length, AtOrigin: true, ByteLevel: false);
        if (_preTokenizer is null) pieces.Add(input);
        else _preTokenizer.Process(input, new ListSink(pieces));
        return pieces.Select(p => p.Materialize().Span.ToString()).ToList();
    }

    private void PreTokenize(in Piece piece, ModelSink sink)
    {
        if (piece.Length == 0) return;
        if (_preTokenizer is null) sink.Accept(piece);
        else _preTokenizer.Process(piece, sink);
    }

    /// <summary>Encodes each pre-token with the model as it arrives.</summary>
    private sealed class ModelSink(BpeModel.Session session) : IPieceSink
    {
        public IdBuffer Ids => session.Output;

        public void Accept(in Piece piece) => session.Encode(piece.Span, piece.ByteLevel);
    }
}
