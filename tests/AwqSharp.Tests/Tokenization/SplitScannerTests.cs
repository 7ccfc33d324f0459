using System.Text.RegularExpressions;
using AwqSharp.Tokenization.PreTokenizers;
using CsCheck;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// The hand-written scanners for the Llama-3, Qwen2 and GPT-2 split regexes find exactly the matches of
/// the regexes themselves, checked against .NET's backtracking engine on BMP text where it agrees with
/// Oniguruma: .NET sees surrogates (not letters) outside the BMP, and its (?i) does not fold U+017F (long s)
/// to 's' as Oniguruma does, so those are checked against HuggingFace's own answers instead.
/// </summary>
public class SplitScannerTests
{
    /// <summary>BMP text without U+017F, where .NET's regex engine and Oniguruma agree.</summary>
    private static readonly Gen<string> RegexComparableText = TextGen.BmpText.Select(s => s.Replace('\u017F', 's'));

    public static TheoryData<string> Patterns => new() { SplitPatterns.Llama3, SplitPatterns.Qwen2, SplitPatterns.Gpt2 };

    private static List<(int, int)> ScannerMatches(ISplitMatcher m, string s)
    {
        var result = new List<(int, int)>();
        int from = 0;
        while (from < s.Length && m.TryMatch(s, from, out int start, out int end))
        {
            result.Add((start, end));
            from = end;
        }
        return result;
    }

    private static List<(int, int)> RegexMatches(Regex r, string s) =>
        r.Matches(s).Select(m => (m.Index, m.Index + m.Length)).ToList();

    [Theory]
    [MemberData(nameof(Patterns))]
    public void ScannerMatchesTheRegexOnRandomText(string pattern)
    {
        var scanner = SplitPatterns.ForRegex(pattern);
        Assert.IsNotType<RegexMatcher>(scanner);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        RegexComparableText.Sample(s => Assert.Equal(RegexMatches(regex, s), ScannerMatches(scanner, s)), iter: 2000);
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void RegexFallbackMatchesTheScanner(string pattern)
    {
        // The generic path (any other pattern) through RegexMatcher agrees too.
        var fallback = new RegexMatcher(new Regex(pattern, RegexOptions.CultureInvariant));
        var scanner = SplitPatterns.ForRegex(pattern);
        RegexComparableText.Sample(s => Assert.Equal(ScannerMatches(fallback, s), ScannerMatches(scanner, s)), iter: 300);
    }

    [Theory]
    [InlineData("\U0001D400\U0001D401x", new[] { "\U0001D400\U0001D401x" })]          // mathematical letters are \p{L}
    [InlineData(" \U00020000\U00020001", new[] { " \U00020000\U00020001" })]          // CJK extension B: letters
    [InlineData("\U0001F600abc", new[] { "\U0001F600abc" })]                          // [^\r\n\p{L}\p{N}]? takes the whole emoji
    [InlineData("\U0001D7CE\U0001D7CF\U0001D7D0\U0001D7D1", new[] { "\U0001D7CE\U0001D7CF\U0001D7D0", "\U0001D7D1" })] // math digits are \p{N}
    [InlineData("it'S \u017Fx '\u017F", new[] { "it", "'S", " \u017Fx", " '", "\u017F" })]
    [InlineData("a \n\n b", new[] { "a", " \n\n", " b" })]
    [InlineData("x  \t y", new[] { "x", "  \t", " y" })]
    [InlineData("1234567", new[] { "123", "456", "7" })]
    public void Llama3ScannerSplitsCodePoints(string text, string[] expected)
    {
        var scanner = SplitPatterns.ForRegex(SplitPatterns.Llama3);
        Assert.Equal(expected, ScannerMatches(scanner, text).Select(m => text[m.Item1..m.Item2]).ToArray());
    }
}
