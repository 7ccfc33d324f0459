using System.Buffers;
using AwqSharp.Tokenization.Unicode;

namespace AwqSharp.Tokenization.AddedTokens;

/// <summary>
/// Splits text on added tokens exactly as HuggingFace's <c>AddedVocabulary::find_matches</c>: non-overlapping
/// leftmost-longest matches (Aho-Corasick LeftmostLongest), then per token the single_word test and the
/// lstrip/rstrip whitespace extension. Matching is ordinal on the token strings given.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly SearchValues<string> _anyToken;
    private readonly Dictionary<char, (string Pattern, AddedToken Token)[]> _byFirstChar;

    /// <param name="tokens">Tokens with the string to find for each (their content, or its normalized form).</param>
    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> tokens)
    {
        var list = tokens.Where(t => t.Pattern.Length > 0).ToList();
        _anyToken = SearchValues.Create(list.Select(t => t.Pattern).Distinct().ToArray(), StringComparison.Ordinal);
        _byFirstChar = list
            .GroupBy(t => t.Pattern[0])
            // Longest first; for equal patterns the last one added wins, as a HashMap insert would.
            .ToDictionary(g => g.Key, g => g.Reverse().DistinctBy(t => t.Pattern).OrderByDescending(t => t.Pattern.Length).ToArray());
        Count = list.Count;
    }

    /// <summary>Number of patterns.</summary>
    public int Count { get; }

    /// <summary>
    /// Appends the segments of <paramref name="text"/> (offsets relative to it) to <paramref name="output"/>:
    /// plain-text gaps and matched tokens, covering the text. Empty text gives nothing.
    /// </summary>
    public void Split(ReadOnlySpan<char> text, List<TextSegment> output)
    {
        int startOffset = 0;
        int searchFrom = 0;
        while (searchFrom < text.Length)
        {
            int rel = text[searchFrom..].IndexOfAny(_anyToken);
            if (rel < 0) break;
            int matchStart = searchFrom + rel;
            var (pattern, token) = LongestAt(text, matchStart);
            int start = matchStart;
            int stop = matchStart + pattern.Length;
            searchFrom = stop;

            if (token.SingleWord)
            {
                bool startSpace = start == 0 || !EndsWithWordChar(text[..start]);
                bool stopSpace = stop == text.Length || !StartsWithWordChar(text[stop..]);
                if (!startSpace || !stopSpace) continue;
            }
            if (token.LStrip)
            {
                int newStart = start;
                while (newStart > 0 && CharClass.IsWhiteSpace(text[newStart - 1])) newStart--;
                start = Math.Max(newStart, startOffset);
            }
            if (token.RStrip)
            {
                while (stop < text.Length && CharClass.IsWhiteSpace(text[stop])) stop++;
            }
            if (startOffset < start) output.Add(new TextSegment(startOffset, start, -1));
            output.Add(new TextSegment(start, stop, token.Id));
            startOffset = stop;
        }
        if (startOffset < text.Length) output.Add(new TextSegment(startOffset, text.Length, -1));
    }

    private (string Pattern, AddedToken Token) LongestAt(ReadOnlySpan<char> text, int position)
    {
        foreach (var candidate in _byFirstChar[text[position]])
            if (text[position..].StartsWith(candidate.Pattern, StringComparison.Ordinal))
                return candidate;
        throw new InvalidOperationException("SearchValues reported a match that no pattern confirms");
    }

    private static bool EndsWithWordChar(ReadOnlySpan<char> s)
    {
        int i = s.Length - 1;
        if (char.IsLowSurrogate(s[i]) && i > 0 && char.IsHighSurrogate(s[i - 1])) i--;
        return CharClass.IsWordChar(CharClass.CodePointAt(s, i, out _));
    }

    private static bool StartsWithWordChar(ReadOnlySpan<char> s) => CharClass.IsWordChar(CharClass.CodePointAt(s, 0, out _));
}
