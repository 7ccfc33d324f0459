namespace AwqSharp.Tokenization.Decoders;

/// <summary>Where the tokens given to a decoder sit in the whole id sequence.</summary>
internal sealed class DecodeContext
{
    /// <summary>The first token is the first token of the whole sequence.</summary>
    public bool AtStart { get; init; } = true;

    /// <summary>The last token is the last token of the whole sequence.</summary>
    public bool AtEnd { get; init; } = true;

    /// <summary>
    /// Streaming: a Strip that follows a Fuse is left to the caller (it only acts at the very start
    /// and end of the whole text, see <see cref="TokenDecoder.FusedStrip"/>).
    /// </summary>
    public bool Streaming { get; init; }

    /// <summary>Set by a step that joined the tokens into one string (Fuse, ByteLevel).</summary>
    public bool Fused { get; set; }
}

/// <summary>A tokenizer.json "decoder": HuggingFace's <c>decode_chain</c> over token strings.</summary>
internal abstract class TokenDecoder
{
    /// <summary>Rewrites <paramref name="tokens"/> in place (HuggingFace decode_chain).</summary>
    public abstract void Apply(List<string> tokens, DecodeContext context);

    /// <summary>
    /// True when the text of <paramref name="window"/> may still change once more tokens follow (an unfinished
    /// byte-fallback run or UTF-8 sequence), so a streaming decoder must wait before cutting after it.
    /// </summary>
    public virtual bool NeedsMore(IReadOnlyList<string> window) => false;

    /// <summary>A Strip that acts on the joined text (it follows a Fuse or ByteLevel step), or null.</summary>
    public virtual StripDecoder? FusedStrip => null;

    /// <summary>Decodes a whole sequence: the chain, then the pieces joined.</summary>
    public string Decode(List<string> tokens)
    {
        Apply(tokens, new DecodeContext());
        return string.Concat(tokens);
    }
}

/// <summary>"Sequence": each decoder in turn.</summary>
internal sealed class SequenceDecoder(IReadOnlyList<TokenDecoder> steps) : TokenDecoder
{
    public IReadOnlyList<TokenDecoder> Steps { get; } = steps;

    public override void Apply(List<string> tokens, DecodeContext context)
    {
        foreach (var step in Steps) step.Apply(tokens, context);
    }

    public override bool NeedsMore(IReadOnlyList<string> window)
    {
        foreach (var step in Steps)
            if (step.NeedsMore(window)) return true;
        return false;
    }

    public override StripDecoder? FusedStrip
    {
        get
        {
            bool fused = false;
            foreach (var step in Steps)
            {
                if (step is FuseDecoder or ByteLevelDecoder) fused = true;
                else if (fused && step is StripDecoder strip) return strip;
            }
            return null;
        }
    }
}

/// <summary>"Fuse": joins all tokens into one.</summary>
internal sealed class FuseDecoder : TokenDecoder
{
    public override void Apply(List<string> tokens, DecodeContext context)
    {
        string joined = string.Concat(tokens);
        tokens.Clear();
        tokens.Add(joined);
        context.Fused = true;
    }
}

/// <summary>"Replace" with a literal pattern, on each token.</summary>
internal sealed class ReplaceDecoder(string pattern, string content) : TokenDecoder
{
    public override void Apply(List<string> tokens, DecodeContext context)
    {
        if (pattern.Length == 0) return;
        for (int i = 0; i < tokens.Count; i++) tokens[i] = tokens[i].Replace(pattern, content, StringComparison.Ordinal);
    }
}

/// <summary>"Strip": removes up to <see cref="Start"/> leading and <see cref="Stop"/> trailing <see cref="Content"/> chars of each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : TokenDecoder
{
    public char Content { get; } = content;
    public int Start { get; } = start;
    public int Stop { get; } = stop;

    public override void Apply(List<string> tokens, DecodeContext context)
    {
        if (context.Fused && context.Streaming) return; // the streaming decoder applies it to the whole text
        for (int i = 0; i < tokens.Count; i++)
        {
            bool first = !context.Fused || context.AtStart;
            bool last = !context.Fused || context.AtEnd;
            tokens[i] = Strip(tokens[i], first ? Start : 0, last ? Stop : 0);
        }
    }

    /// <summary>HuggingFace Strip on one string.</summary>
    public string Strip(string token, int start, int stop)
    {
        int begin = 0;
        while (begin < start && begin < token.Length && token[begin] == Content) begin++;
        int end = token.Length;
        for (int i = 0; i < stop && end > begin && token[end - 1] == Content; i++) end--;
        return begin == 0 && end == token.Length ? token : token[begin..end];
    }
}

/// <summary>"Metaspace" decoder: U+2581 back to ' ', except that the first token of the text loses it.</summary>
internal sealed class MetaspaceDecoder(char replacement, bool prependsAtStart) : TokenDecoder
{
    public override void Apply(List<string> tokens, DecodeContext context)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            bool drop = i == 0 && context.AtStart && prependsAtStart;
            tokens[i] = drop ? tokens[i].Replace(replacement.ToString(), "", StringComparison.Ordinal) : tokens[i].Replace(replacement, ' ');
        }
    }
}
