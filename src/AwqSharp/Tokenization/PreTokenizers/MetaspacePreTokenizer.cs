namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>When Metaspace adds its replacement character in front of a piece.</summary>
internal enum PrependScheme
{
    /// <summary>Before every piece that does not already start with it.</summary>
    Always,
    /// <summary>Only before the piece at the very start of the text (Mistral, Llama-2 re-saved non-legacy).</summary>
    First,
    /// <summary>Never.</summary>
    Never,
}

/// <summary>
/// "Metaspace": replaces ' ' by the replacement character (U+2581), prepends it per
/// <see cref="PrependScheme"/>, and optionally splits before each replacement (MergedWithNext).
/// </summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : PreTokenizer
{
    public char Replacement { get; } = replacement;
    public PrependScheme Scheme { get; } = scheme;
    public bool Split { get; } = split;

    public override void Process(in Piece raw, IPieceSink output)
    {
        var p = raw.Materialize();
        var span = p.Span;
        bool prepend = Scheme switch
        {
            PrependScheme.Always => span.Length == 0 || span[0] != Replacement && span[0] != ' ',
            PrependScheme.First => p.AtOrigin && (span.Length == 0 || span[0] != Replacement && span[0] != ' '),
            _ => false,
        };
        // HuggingFace replaces first, then tests starts_with(replacement): a leading ' ' counts as one.
        string text = string.Create(span.Length + (prepend ? 1 : 0), (p, prepend, Replacement), static (dest, state) =>
        {
            var (piece, pre, rep) = state;
            int w = 0;
            if (pre) dest[w++] = rep;
            foreach (char c in piece.Span) dest[w++] = c == ' ' ? rep : c;
        });
        var whole = new Piece(text, 0, text.Length, p.AtOrigin, false);
        if (!Split) { output.Accept(whole); return; }
        // Split on the replacement, MergedWithNext: each replacement starts a new piece.
        int start = 0;
        for (int i = 1; i < text.Length; i++)
        {
            if (text[i] != Replacement) continue;
            output.Accept(whole.Slice(start, i - start));
            start = i;
        }
        if (text.Length > 0) output.Accept(whole.Slice(start, text.Length - start));
    }
}
