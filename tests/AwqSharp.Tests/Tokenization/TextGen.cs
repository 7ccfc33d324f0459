using CsCheck;

namespace AwqSharp.Tests.Tokenization;

/// <summary>Random text for property tests: mostly the characters that exercise tokenizers' edge cases.</summary>
public static class TextGen
{
    private static readonly string[] Words =
        ["the", " the", "The", " Hello", "don't", "'s", "'S", "'ll", "'LL", "'ve", "'re", "'d", "'M", "\u017F", "'\u017F",
         "  ", "   ", "\n", "\r\n", "\n\n", " \n ", "\t", "123", "4567890", "...", "!!", " ?", " ,", " .", " 'm", " n't",
         "caf\u00E9", "cafe\u0301", "\u2581", "\u2581\u2581", "\u00A0", "\u3000", "\u2028", "\u0085", "\uFEFF", "\u200D"];

    /// <summary>A Unicode scalar value (never a surrogate), biased toward interesting ranges.</summary>
    public static readonly Gen<int> CodePoint = Gen.Frequency(
        (30, Gen.Int[0x20, 0x7E]),
        (8, Gen.OneOf(Gen.Const(0x20), Gen.Const(0x0A), Gen.Const(0x09), Gen.Const(0x0D), Gen.Const(0xA0), Gen.Const(0x3000), Gen.Const(0x0B), Gen.Const(0x0C))),
        (6, Gen.Int['0', '9']),
        (5, Gen.Int[0xA0, 0x24F]),
        (3, Gen.Int[0x300, 0x36F]),
        (4, Gen.Int[0x4E00, 0x9FFF]),
        (2, Gen.Int[0x0600, 0x06FF]),
        (2, Gen.Int[0xAC00, 0xD7A3]),
        (3, Gen.Int[0x1F300, 0x1FAFF]),
        (2, Gen.Int[0x10000, 0x10FFFF]),
        (3, Gen.Int[0x80, 0xFFFF].Where(c => c is < 0xD800 or > 0xDFFF)));

    /// <summary>BMP-only code points (no surrogate pairs), for comparisons with .NET's UTF-16 regex engine.</summary>
    public static readonly Gen<int> BmpCodePoint = CodePoint.Where(c => c < 0x10000);

    private static Gen<string> Build(Gen<int> codePoint, int maxParts) => Gen.Frequency(
            (4, codePoint.Select(char.ConvertFromUtf32)),
            (1, Gen.Int[0, Words.Length - 1].Select(i => Words[i])))
        .Array[0, maxParts]
        .Select(parts => string.Concat(parts));

    /// <summary>Random text of up to about 40 parts.</summary>
    public static readonly Gen<string> Text = Build(CodePoint, 40);

    /// <summary>Random BMP text (no surrogates).</summary>
    public static readonly Gen<string> BmpText = Build(BmpCodePoint, 40);

    /// <summary>Random text without '&lt;' (so no special-token string can appear in it).</summary>
    public static readonly Gen<string> TextWithoutMarkup = Text.Select(s => s.Replace('<', '{'));
}
