using System.Text;
using AwqSharp.Tokenization.Decoders;

namespace AwqSharp.Tokenization;

/// <summary>
/// Decodes ids one at a time while generating. The concatenation of every <see cref="Push"/> result and the
/// final <see cref="Flush"/> equals <see cref="TextTokenizer.Decode"/> of all the ids (same skipSpecialTokens):
/// text is held back while it may still change, i.e. an unfinished byte-fallback run or UTF-8 sequence, a
/// trailing space that a final Strip or the clean-up (" ." to ".") could still remove, and SentencePiece's
/// leading space is removed only at the very start of the text.
/// Not thread-safe: use one instance per generated sequence.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly TextTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly DecodingPipeline _pipeline;
    private readonly StripDecoder? _fusedStrip;
    private readonly List<string> _window = [];
    private readonly StringBuilder _held = new();
    private bool _atStart = true;
    private int _stripStartLeft;
    private bool _anyToken;

    /// <param name="tokenizer">The tokenizer whose ids are pushed.</param>
    /// <param name="skipSpecialTokens">Leave special tokens (BOS, EOS, chat markers) out of the text.</param>
    public StreamingDecoder(TextTokenizer tokenizer, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
        _pipeline = tokenizer.Decoding;
        _fusedStrip = _pipeline.Decoder?.FusedStrip;
        Reset();
    }

    /// <summary>The tokenizer this decoder decodes for.</summary>
    public TextTokenizer Tokenizer => _tokenizer;

    /// <summary>Adds one id and returns the text it completed (often empty while a character is unfinished).</summary>
    public string Push(int id)
    {
        string? token = _pipeline.TokenForDecode(id, _skipSpecialTokens);
        if (token is null) return "";
        var decoder = _pipeline.Decoder;
        if (decoder is null)
        {
            // No decoder: HuggingFace joins the tokens with spaces.
            string text = _anyToken ? " " + token : token;
            _anyToken = true;
            return Emit(text, final: false);
        }
        _window.Add(token);
        if (decoder.NeedsMore(_window)) return "";
        return Emit(CommitWindow(), final: false);
    }

    /// <summary>Returns all text still held back and starts a new sequence.</summary>
    public string Flush()
    {
        string text = _window.Count > 0 ? CommitWindow() : "";
        string result = Emit(text, final: true);
        Reset();
        return result;
    }

    private void Reset()
    {
        _window.Clear();
        _held.Clear();
        _atStart = true;
        _anyToken = false;
        _stripStartLeft = _fusedStrip?.Start ?? 0;
    }

    /// <summary>Decodes the pending tokens as one piece of the whole sequence.</summary>
    private string CommitWindow()
    {
        var tokens = new List<string>(_window);
        _pipeline.Decoder!.Apply(tokens, new DecodeContext { AtStart = _atStart, AtEnd = false, Streaming = true });
        _window.Clear();
        _atStart = false;
        return string.Concat(tokens);
    }

    /// <summary>Adds raw decoded text and returns the part of it that can no longer change.</summary>
    private string Emit(string text, bool final)
    {
        if (_fusedStrip is { } strip && _stripStartLeft > 0)
        {
            int cut = 0;
            while (cut < text.Length && _stripStartLeft > 0 && text[cut] == strip.Content) { cut++; _stripStartLeft--; }
            if (cut < text.Length) _stripStartLeft = 0;
            text = text[cut..];
        }
        _held.Append(text);

        int end = _held.Length;
        if (final)
        {
            if (_fusedStrip is { Stop: > 0 } s)
                for (int i = 0; i < s.Stop && end > 0 && _held[end - 1] == s.Content; i++) end--;
        }
        else
        {
            if (_fusedStrip is { Stop: > 0 } s)
                for (int i = 0; i < s.Stop && end > 0 && _held[end - 1] == s.Content; i++) end--;
            if (_pipeline.CleanUp) end = SafeCleanUpCut(end);
        }

        string ready = _held.ToString(0, end);
        if (final) _held.Clear();
        else _held.Remove(0, end);
        return _pipeline.CleanUp ? DecodingPipeline.CleanUpTokenization(ready) : ready;
    }

    /// <summary>
    /// Largest cut at or before <paramref name="end"/> with no space in the last <see cref="DecodingPipeline.CleanUpReach"/>
    /// chars before it: no clean-up pattern (all start with a space and are at most that long) can then straddle it.
    /// </summary>
    private int SafeCleanUpCut(int end)
    {
        while (end > 0)
        {
            int lastSpace = -1;
            for (int i = end - 1; i >= Math.Max(0, end - DecodingPipeline.CleanUpReach); i--)
                if (_held[i] == ' ') { lastSpace = i; break; }
            if (lastSpace < 0) return end;
            end = lastSpace;
        }
        return 0;
    }
}
