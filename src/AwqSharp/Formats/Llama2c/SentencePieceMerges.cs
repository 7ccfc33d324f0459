using System.Text;

namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// Derives a BPE merge list from a SentencePiece-style vocabulary with scores, the way HuggingFace's SentencePiece
/// converter does (<c>generate_merges</c> in transformers): every split of a piece into two pieces that are both in the
/// vocabulary is a merge; merges rank by the merged piece's score, highest first. Ties keep the order the converter
/// produces: by the merged piece's id, then by the left and right piece ids. Splits are between Unicode code points,
/// as Python's string slicing makes them. Applying these merges lowest-rank-first performs llama2.c's own greedy
/// encoding (always merge the adjacent pair whose concatenation scores highest).
/// </summary>
public static class SentencePieceMerges
{
    /// <summary>The ranked merges of the vocabulary (<paramref name="pieces"/> in id order, no duplicates).</summary>
    /// <exception cref="ArgumentException">Different lengths, a duplicate piece, or a NaN score.</exception>
    public static IReadOnlyList<(string Left, string Right)> Derive(IReadOnlyList<string> pieces, IReadOnlyList<float> scores)
    {
        if (pieces.Count != scores.Count) throw new ArgumentException($"{pieces.Count} pieces but {scores.Count} scores", nameof(scores));
        var ids = new Dictionary<string, int>(pieces.Count, StringComparer.Ordinal);
        for (int i = 0; i < pieces.Count; i++)
        {
            if (!ids.TryAdd(pieces[i], i)) throw new ArgumentException($"piece '{pieces[i]}' appears twice (ids {ids[pieces[i]]} and {i})", nameof(pieces));
            if (float.IsNaN(scores[i])) throw new ArgumentException($"piece {i} has a NaN score", nameof(scores));
        }

        var merges = new List<Candidate>();
        for (int merged = 0; merged < pieces.Count; merged++)
        {
            string piece = pieces[merged];
            for (int split = NextBoundary(piece, 0); split < piece.Length; split = NextBoundary(piece, split))
            {
                if (ids.TryGetValue(piece[..split], out int left) && ids.TryGetValue(piece[split..], out int right))
                    merges.Add(new Candidate(scores[merged], merged, left, right));
            }
        }
        merges.Sort(static (a, b) =>
        {
            if (a.Score != b.Score) return a.Score > b.Score ? -1 : 1;
            int c = a.Merged.CompareTo(b.Merged);
            if (c != 0) return c;
            c = a.Left.CompareTo(b.Left);
            return c != 0 ? c : a.Right.CompareTo(b.Right);
        });
        return merges.Select(m => (pieces[m.Left], pieces[m.Right])).ToArray();
    }

    /// <summary>The UTF-16 index of the code point after the one at <paramref name="index"/>.</summary>
    private static int NextBoundary(string s, int index) =>
        index + (Rune.DecodeFromUtf16(s.AsSpan(index), out _, out int used) == System.Buffers.OperationStatus.Done ? used : 1);

    private readonly record struct Candidate(float Score, int Merged, int Left, int Right);
}
