using System.Globalization;
using System.Text;

namespace AwqSharp.Tokenization.Unicode;

/// <summary>The classes the HuggingFace split regexes test: \p{L}, \p{N}, \s, everything else.</summary>
internal enum CharKind : byte
{
    Other = 0,
    Letter = 1,
    Number = 2,
    Whitespace = 3,
}

/// <summary>
/// Code-point classification with the semantics of the Oniguruma / Rust regex classes used by
/// tokenizer.json patterns: \p{L} = Lu Ll Lt Lm Lo, \p{N} = Nd Nl No, \s = Unicode White_Space.
/// Works on code points, so letters outside the BMP are letters (unlike .NET Regex, which sees surrogates).
/// </summary>
internal static class CharClass
{
    private static readonly CharKind[] Ascii = BuildAscii();

    private static CharKind[] BuildAscii()
    {
        var t = new CharKind[128];
        for (int c = 0; c < 128; c++) t[c] = Slow(c);
        return t;
    }

    /// <summary>Kind of a code point.</summary>
    public static CharKind Of(int cp) => cp < 128 ? Ascii[cp] : Slow(cp);

    /// <summary>Unicode White_Space (the \s of Oniguruma and Rust regex).</summary>
    public static bool IsWhiteSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        >= 0x2000 and <= 0x200A => true,
        _ => false,
    };

    /// <summary>Rust regex's Unicode \w: alphabetic, marks, decimal digits, connector punctuation, joiners.</summary>
    public static bool IsWordChar(int cp)
    {
        if (cp < 128) return cp is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';
        if (cp is 0x200C or 0x200D) return true;
        return Category(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation => true,
            _ => false,
        };
    }

    private static UnicodeCategory Category(int cp) =>
        Rune.IsValid(cp) ? Rune.GetUnicodeCategory(new Rune(cp)) : UnicodeCategory.Surrogate;

    private static CharKind Slow(int cp)
    {
        if (IsWhiteSpace(cp)) return CharKind.Whitespace;
        return Category(cp) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharKind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharKind.Number,
            _ => CharKind.Other,
        };
    }

    /// <summary>
    /// Reads the code point at <paramref name="i"/> of <paramref name="s"/>; <paramref name="length"/> is 1 or 2 chars.
    /// A lone surrogate reads as U+FFFD (what its UTF-8 encoding becomes).
    /// </summary>
    public static int CodePointAt(ReadOnlySpan<char> s, int i, out int length)
    {
        char c = s[i];
        if (!char.IsSurrogate(c)) { length = 1; return c; }
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        length = 1;
        return 0xFFFD;
    }
}
