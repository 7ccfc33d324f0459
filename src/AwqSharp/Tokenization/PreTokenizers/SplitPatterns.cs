using System.Text.RegularExpressions;
using AwqSharp.Tokenization.Unicode;

namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>Finds the matches of a split pattern, left to right.</summary>
internal interface ISplitMatcher
{
    /// <summary>Finds the leftmost match starting at or after <paramref name="from"/>; false when there is none.</summary>
    bool TryMatch(ReadOnlySpan<char> text, int from, out int start, out int end);
}

/// <summary>The split regexes that are matched by hand-written scanners instead of a regex engine.</summary>
internal static class SplitPatterns
{
    /// <summary>Llama-3's pre-tokenizer regex (tiktoken cl100k style, digits in groups of 1-3).</summary>
    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's pre-tokenizer regex (as Llama-3's with single digits).</summary>
    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2's regex (the ByteLevel pre-tokenizer's built-in one).</summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>A matcher for a regex: a scanner for the known patterns, else .NET's regex engine.</summary>
    public static ISplitMatcher ForRegex(string pattern) => pattern switch
    {
        Llama3 => new TiktokenScanner(maxDigits: 3),
        Qwen2 => new TiktokenScanner(maxDigits: 1),
        Gpt2 => Gpt2Scanner.Instance,
        _ => new RegexMatcher(new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant)),
    };
}

/// <summary>A pattern given as a literal string.</summary>
internal sealed class LiteralMatcher(string literal) : ISplitMatcher
{
    public bool TryMatch(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        int i = literal.Length == 0 ? -1 : text[from..].IndexOf(literal, StringComparison.Ordinal);
        start = i < 0 ? 0 : from + i;
        end = i < 0 ? 0 : start + literal.Length;
        return i >= 0;
    }
}

/// <summary>
/// Any other regex, through .NET's engine. Close to Oniguruma for these patterns, except that .NET
/// classifies UTF-16 code units, so characters outside the BMP are never \p{L} or \p{N} here.
/// </summary>
internal sealed class RegexMatcher(Regex regex) : ISplitMatcher
{
    public bool TryMatch(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        // Empty matches split nothing (HuggingFace drops empty pieces); skip them.
        var e = regex.EnumerateMatches(text, from);
        while (e.MoveNext())
        {
            var m = e.Current;
            if (m.Length == 0) continue;
            start = m.Index;
            end = m.Index + m.Length;
            return true;
        }
        start = end = 0;
        return false;
    }
}

/// <summary>Scanner helpers shared by the hand-written pattern matchers.</summary>
internal static class Scan
{
    public static CharKind KindAt(ReadOnlySpan<char> s, int i, out int cp, out int length)
    {
        char c = s[i];
        if (c < 128) { cp = c; length = 1; return CharClass.Of(c); }
        cp = CharClass.CodePointAt(s, i, out length);
        return CharClass.Of(cp);
    }

    /// <summary>End of the run of code points of kind <paramref name="kind"/> starting at <paramref name="i"/>.</summary>
    public static int RunEnd(ReadOnlySpan<char> s, int i, CharKind kind)
    {
        while (i < s.Length)
        {
            if (KindAt(s, i, out _, out int len) != kind) break;
            i += len;
        }
        return i;
    }

    public static bool IsKind(ReadOnlySpan<char> s, int i, CharKind kind) => i < s.Length && KindAt(s, i, out _, out _) == kind;

    /// <summary>\s+(?!\S) then \s+ on the whitespace run [i, runEnd).</summary>
    public static int TrailingWhitespace(ReadOnlySpan<char> s, int i, int runEnd)
    {
        if (runEnd == s.Length || runEnd - i == 1) return runEnd; // (?!\S) holds at the end; else one char: \s+
        return runEnd - 1; // leave the last whitespace char to the next word
    }
}

/// <summary>
/// Llama-3 / Qwen2 pattern, matched by hand with the regex's leftmost-first alternation:
/// <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,k}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>.
/// Every position starts a match, so a match always starts at <c>from</c>.
/// </summary>
internal sealed class TiktokenScanner(int maxDigits) : ISplitMatcher
{
    public int MaxDigits { get; } = maxDigits;

    public bool TryMatch(ReadOnlySpan<char> s, int from, out int start, out int end)
    {
        start = from;
        if (from >= s.Length) { end = from; return false; }
        end = MatchAt(s, from);
        return true;
    }

    private int MatchAt(ReadOnlySpan<char> s, int i)
    {
        char c = s[i];
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if (c == '\'' && i + 1 < s.Length)
        {
            int n = Contractions.MatchCaseInsensitive(s, i + 1);
            if (n > 0) return i + 1 + n;
        }
        var kind = Scan.KindAt(s, i, out _, out int len);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (kind == CharKind.Letter) return Scan.RunEnd(s, i, CharKind.Letter);
        if (kind != CharKind.Number && c != '\r' && c != '\n' && Scan.IsKind(s, i + len, CharKind.Letter))
            return Scan.RunEnd(s, i + len, CharKind.Letter);
        // \p{N}{1,k}
        if (kind == CharKind.Number)
        {
            int j = i + len;
            for (int count = 1; count < MaxDigits && j < s.Length; count++)
            {
                if (Scan.KindAt(s, j, out _, out int l) != CharKind.Number) break;
                j += l;
            }
            return j;
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        int p = c == ' ' && Scan.IsKind(s, i + 1, CharKind.Other) ? i + 1 : i;
        if (Scan.IsKind(s, p, CharKind.Other))
        {
            int j = Scan.RunEnd(s, p, CharKind.Other);
            while (j < s.Length && s[j] is '\r' or '\n') j++;
            return j;
        }
        // Whitespace from here on.
        int runEnd = Scan.RunEnd(s, i, CharKind.Whitespace);
        // \s*[\r\n]+ : up to the last line break of the whitespace run
        for (int j = runEnd - 1; j >= i; j--)
            if (s[j] is '\r' or '\n') return j + 1;
        // \s+(?!\S) | \s+
        return Scan.TrailingWhitespace(s, i, runEnd);
    }
}

/// <summary>
/// GPT-2's pattern, matched by hand: <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// </summary>
internal sealed class Gpt2Scanner : ISplitMatcher
{
    public static readonly Gpt2Scanner Instance = new();

    public bool TryMatch(ReadOnlySpan<char> s, int from, out int start, out int end)
    {
        start = from;
        if (from >= s.Length) { end = from; return false; }
        end = MatchAt(s, from);
        return true;
    }

    private static int MatchAt(ReadOnlySpan<char> s, int i)
    {
        char c = s[i];
        if (c == '\'' && i + 1 < s.Length)
        {
            int n = Contractions.MatchCaseSensitive(s, i + 1);
            if (n > 0) return i + 1 + n;
        }
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
        int p = i;
        if (c == ' ' && i + 1 < s.Length)
        {
            var next = Scan.KindAt(s, i + 1, out _, out _);
            if (next != CharKind.Whitespace) return Scan.RunEnd(s, i + 1, next);
        }
        var kind = Scan.KindAt(s, p, out _, out _);
        if (kind != CharKind.Whitespace) return Scan.RunEnd(s, p, kind);
        int runEnd = Scan.RunEnd(s, i, CharKind.Whitespace);
        return Scan.TrailingWhitespace(s, i, runEnd);
    }
}

/// <summary>The contraction alternatives 's 't 're 've 'm 'll 'd (after the apostrophe).</summary>
internal static class Contractions
{
    /// <summary>Length of the contraction suffix at <paramref name="i"/> (1 or 2 chars), or 0.</summary>
    public static int MatchCaseSensitive(ReadOnlySpan<char> s, int i)
    {
        char a = s[i];
        if (a is 's' or 't' or 'm' or 'd') return 1;
        if (i + 1 < s.Length)
        {
            char b = s[i + 1];
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 2;
        }
        return 0;
    }

    /// <summary>As <see cref="MatchCaseSensitive"/> under Unicode case folding (so U+017F long s matches 's').</summary>
    public static int MatchCaseInsensitive(ReadOnlySpan<char> s, int i)
    {
        char a = Fold(s[i]);
        if (a is 's' or 't' or 'm' or 'd') return 1;
        if (i + 1 < s.Length)
        {
            char b = Fold(s[i + 1]);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 2;
        }
        return 0;
    }

    private static char Fold(char c) => c switch
    {
        >= 'A' and <= 'Z' => (char)(c + 32),
        '\u017F' => 's', // LATIN SMALL LETTER LONG S folds to 's'
        _ => c,
    };
}
