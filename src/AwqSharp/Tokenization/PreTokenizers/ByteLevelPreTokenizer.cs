namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>
/// "ByteLevel": optionally prepends a space to a piece that does not start with one, optionally splits
/// with GPT-2's regex, then maps the UTF-8 bytes to GPT-2's byte alphabet (deferred: pieces are flagged).
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    private static readonly SplitPreTokenizer Gpt2Split = new(Gpt2Scanner.Instance, SplitBehavior.Isolated, invert: false);

    public bool AddPrefixSpace { get; } = addPrefixSpace;
    public bool UseRegex { get; } = useRegex;

    public override void Process(in Piece piece, IPieceSink output)
    {
        var p = piece.Materialize();
        if (AddPrefixSpace && (p.Length == 0 || p.Span[0] != ' '))
        {
            string text = " " + p.Span.ToString();
            p = new Piece(text, 0, text.Length, p.AtOrigin, false);
        }
        if (UseRegex) Gpt2Split.Process(p, new ByteLevelSink(output));
        else output.Accept(p with { ByteLevel = true });
    }

    private sealed class ByteLevelSink(IPieceSink inner) : IPieceSink
    {
        public void Accept(in Piece piece) => inner.Accept(piece with { ByteLevel = true });
    }
}
