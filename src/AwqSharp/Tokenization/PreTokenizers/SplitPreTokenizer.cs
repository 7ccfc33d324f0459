namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>HuggingFace's SplitDelimiterBehavior: what happens to the matched parts.</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>"Split": splits each piece on a pattern (regex or literal) with a delimiter behavior, optionally inverted.</summary>
internal sealed class SplitPreTokenizer(ISplitMatcher matcher, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public ISplitMatcher Matcher { get; } = matcher;
    public SplitBehavior Behavior { get; } = behavior;
    public bool Invert { get; } = invert;

    public override void Process(in Piece raw, IPieceSink output)
    {
        var piece = raw.Materialize();
        if (Behavior == SplitBehavior.Isolated)
        {
            // Hot path: every match and every gap is its own pre-token, whatever invert says.
            SplitIsolated(piece, output);
            return;
        }
        var parts = new List<(int Start, int End, bool IsMatch)>();
        FindParts(piece.Span, parts);
        Merge(piece, parts, output);
    }

    private void SplitIsolated(Piece piece, IPieceSink output)
    {
        var span = piece.Span;
        int prev = 0;
        int from = 0;
        while (from < span.Length && Matcher.TryMatch(span, from, out int start, out int end))
        {
            if (start > prev) output.Accept(piece.Slice(prev, start - prev));
            output.Accept(piece.Slice(start, end - start));
            prev = from = end;
        }
        if (prev < span.Length) output.Accept(piece.Slice(prev, span.Length - prev));
    }

    /// <summary>HuggingFace <c>Pattern::find_matches</c> (with <c>Invert</c>): gaps and matches covering the text.</summary>
    private void FindParts(ReadOnlySpan<char> span, List<(int Start, int End, bool IsMatch)> parts)
    {
        int prev = 0;
        int from = 0;
        while (from < span.Length && Matcher.TryMatch(span, from, out int start, out int end))
        {
            if (start > prev) parts.Add((prev, start, Invert));
            parts.Add((start, end, !Invert));
            prev = from = end;
        }
        if (prev < span.Length) parts.Add((prev, span.Length, Invert));
    }

    /// <summary>HuggingFace <c>NormalizedString::split</c>: applies the behavior to the parts.</summary>
    private void Merge(Piece piece, List<(int Start, int End, bool IsMatch)> parts, IPieceSink output)
    {
        var kept = new List<(int Start, int End)>(parts.Count);
        switch (Behavior)
        {
            case SplitBehavior.Removed:
                foreach (var p in parts) if (!p.IsMatch) kept.Add((p.Start, p.End));
                break;
            case SplitBehavior.Contiguous:
            {
                bool previousMatch = false;
                foreach (var p in parts)
                {
                    if (p.IsMatch == previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, p.End);
                    else kept.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithPrevious:
            {
                bool previousMatch = false;
                foreach (var p in parts)
                {
                    if (p.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (kept[^1].Start, p.End);
                    else kept.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                break;
            }
            case SplitBehavior.MergedWithNext:
            {
                bool previousMatch = false;
                for (int i = parts.Count - 1; i >= 0; i--)
                {
                    var p = parts[i];
                    if (p.IsMatch && !previousMatch && kept.Count > 0) kept[^1] = (p.Start, kept[^1].End);
                    else kept.Add((p.Start, p.End));
                    previousMatch = p.IsMatch;
                }
                kept.Reverse();
                break;
            }
            default:
                foreach (var p in parts) kept.Add((p.Start, p.End));
                break;
        }
        foreach (var (start, end) in kept)
            if (end > start) output.Accept(piece.Slice(start, end - start));
    }
}
