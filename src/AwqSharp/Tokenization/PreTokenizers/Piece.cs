namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>
/// A pre-token: a slice of a string (no copy). <see cref="AtOrigin"/> says it starts at offset 0 of the
/// text given to Encode (Metaspace's prepend_scheme "first" needs it). <see cref="ByteLevel"/> says the
/// slice is raw text still to be mapped to GPT-2's byte alphabet (done lazily by the model, so the word
/// cache can be keyed on the raw text).
/// </summary>
internal readonly record struct Piece(string Text, int Start, int Length, bool AtOrigin, bool ByteLevel)
{
    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);

    /// <summary>A sub-slice, relative to this piece; keeps the flags (AtOrigin only for offset 0).</summary>
    public Piece Slice(int start, int length) => new(Text, Start + start, length, AtOrigin && start == 0, ByteLevel);

    /// <summary>The piece in its final alphabet: byte-level pieces mapped to GPT-2's byte alphabet.</summary>
    public Piece Materialize()
    {
        if (!ByteLevel) return this;
        string mapped = Model.ByteLevelAlphabetText.Map(Span);
        return new Piece(mapped, 0, mapped.Length, AtOrigin, false);
    }
}
