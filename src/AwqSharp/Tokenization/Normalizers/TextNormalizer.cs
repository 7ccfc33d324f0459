using System.Text.RegularExpressions;
using AwqSharp.Tokenization.Unicode;

namespace AwqSharp.Tokenization.Normalizers;

/// <summary>A tokenizer.json "normalizer": rewrites a piece of text before pre-tokenization.</summary>
internal abstract class TextNormalizer
{
    /// <summary>The normalized text (may be <paramref name="text"/> itself when nothing changes).</summary>
    public abstract string Normalize(string text);
}

/// <summary>"Sequence": each normalizer in turn.</summary>
internal sealed class SequenceNormalizer(IReadOnlyList<TextNormalizer> steps) : TextNormalizer
{
    public IReadOnlyList<TextNormalizer> Steps { get; } = steps;

    public override string Normalize(string text)
    {
        foreach (var step in Steps) text = step.Normalize(text);
        return text;
    }
}

/// <summary>"Prepend": adds a prefix to any non-empty text (SentencePiece's dummy "▁").</summary>
internal sealed class PrependNormalizer(string prefix) : TextNormalizer
{
    public string Prefix { get; } = prefix;

    public override string Normalize(string text) => text.Length == 0 ? text : Prefix + text;
}

/// <summary>"Replace" with a literal pattern.</summary>
internal sealed class ReplaceNormalizer(string pattern, string content) : TextNormalizer
{
    public string Pattern { get; } = pattern;
    public string Content { get; } = content;

    public override string Normalize(string text) => Pattern.Length == 0 ? text : text.Replace(Pattern, Content, StringComparison.Ordinal);
}

/// <summary>"Replace" with a regex pattern.</summary>
internal sealed class RegexReplaceNormalizer(Regex pattern, string content) : TextNormalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content.Replace("$", "$$"));
}

/// <summary>"NFC" / "NFD" (managed implementation, see <see cref="UnicodeNormalization"/>).</summary>
internal sealed class UnicodeNormalizer(bool compose) : TextNormalizer
{
    public bool Compose { get; } = compose;

    public override string Normalize(string text) => Compose ? UnicodeNormalization.ToNfc(text) : UnicodeNormalization.ToNfd(text);
}

/// <summary>"Lowercase".</summary>
internal sealed class LowercaseNormalizer : TextNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}

/// <summary>"Strip": removes Unicode whitespace on the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : TextNormalizer
{
    public override string Normalize(string text)
    {
        int start = 0, end = text.Length;
        if (left) while (start < end && CharClass.IsWhiteSpace(text[start])) start++;
        if (right) while (end > start && CharClass.IsWhiteSpace(text[end - 1])) end--;
        return start == 0 && end == text.Length ? text : text[start..end];
    }
}
