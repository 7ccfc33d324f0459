namespace AwqSharp.Tokenization.AddedTokens;

/// <summary>
/// A token matched as a whole inside the text before normalization and BPE (HuggingFace "added token"),
/// with the flags of tokenizer.json's "added_tokens" entries.
/// </summary>
/// <param name="Id">Token id.</param>
/// <param name="Content">Exact text of the token.</param>
/// <param name="Special">Special tokens are skipped by decode(skip_special_tokens).</param>
/// <param name="SingleWord">Only matched when not inside a word (no \w char right before or after).</param>
/// <param name="LStrip">The match swallows the whitespace on its left.</param>
/// <param name="RStrip">The match swallows the whitespace on its right.</param>
/// <param name="Normalized">Matched against the normalized text instead of the raw text.</param>
internal sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LStrip = false, bool RStrip = false, bool Normalized = false);

/// <summary>A piece of text: either plain text (<see cref="TokenId"/> &lt; 0) or a matched added token.</summary>
internal readonly record struct TextSegment(int Start, int End, int TokenId)
{
    public bool IsToken => TokenId >= 0;
    public int Length => End - Start;
}
