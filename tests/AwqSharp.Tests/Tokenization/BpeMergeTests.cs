using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization;
using AwqSharp.Tokenization.Model;
using CsCheck;

namespace AwqSharp.Tests.Tokenization;

/// <summary>
/// The heap-based merge loop equals the definition (repeatedly merge the lowest-rank pair, leftmost on ties),
/// and SentencePiece-style words cut at U+2581 boundaries (for caching) encode as the whole word would.
/// </summary>
public class BpeMergeTests
{
    /// <summary>The definition, quadratic: find the best pair, merge it, repeat.</summary>
    private static int[] NaiveMerge(int[] symbols, MergeTable merges)
    {
        var s = symbols.ToList();
        while (true)
        {
            int best = -1;
            long bestRank = long.MaxValue;
            int bestId = 0;
            for (int i = 0; i + 1 < s.Count; i++)
            {
                if (!merges.TryGetValue(BpeMerger.PairKey(s[i], s[i + 1]), out long v)) continue;
                long rank = v >> 32;
                if (rank < bestRank) { bestRank = rank; best = i; bestId = (int)v; }
            }
            if (best < 0) return [.. s];
            s[best] = bestId;
            s.RemoveAt(best + 1);
        }
    }

    [SharedFact("data/tokenizers/gpt2/tokenizer.json")]
    public void HeapMergeEqualsNaiveMergeOnByteLevelWords()
    {
        var model = SharedTokenizers.Get("gpt2").Model;
        var byteIds = Enumerable.Range(0, 256).Select(b => model.TokenToId(ByteLevelAlphabet.ByteToChar[b].ToString())!.Value).ToArray();
        TextGen.Text.Sample(s =>
        {
            int[] symbols = System.Text.Encoding.UTF8.GetBytes(s).Select(b => byteIds[b]).ToArray();
            int[] heap = (int[])symbols.Clone();
            int n = BpeMerger.MergeAll(heap, model.Merges);
            Assert.Equal(NaiveMerge(symbols, model.Merges), heap[..n]);
        }, iter: 500);
    }

    [Fact]
    public void TiesGoToTheLeftmostPair()
    {
        // a=1, aa=2; "aaa" -> "aa" "a" (leftmost pair first), "aaaa" -> "aa" "aa".
        var merges = new MergeTable(1);
        merges.Set(BpeMerger.PairKey(1, 1), BpeMerger.MergeValue(0, 2));
        int[] three = [1, 1, 1];
        Assert.Equal(2, BpeMerger.MergeAll(three, merges));
        Assert.Equal([2, 1], three[..2]);
        int[] four = [1, 1, 1, 1];
        Assert.Equal(2, BpeMerger.MergeAll(four, merges));
        Assert.Equal([2, 2], four[..2]);
    }

    [SharedFact("data/tokenizers/llama-2-7b-chat-hf/tokenizer.json")]
    public void MetaspaceChunkingEqualsWholeWordBpe()
    {
        var t = SharedTokenizers.Get("llama-2-7b-chat-hf");
        Assert.True(t.Model.SplitsAtMetaspace);
        TextGen.TextWithoutMarkup.Sample(s =>
        {
            if (s.Length == 0) return;
            string normalized = "\u2581" + s.Replace(' ', '\u2581');
            Assert.Equal(t.Model.EncodeWord(normalized), t.Encode(s, addSpecialTokens: false));
        }, iter: 500);
    }

    [SharedFact("data/tokenizers/mistral-7b-v0.1/tokenizer.json")]
    public void MistralChunkingEqualsWholeWordBpe()
    {
        var t = SharedTokenizers.Get("mistral-7b-v0.1");
        Assert.True(t.Model.SplitsAtMetaspace);
        TextGen.TextWithoutMarkup.Sample(s =>
        {
            if (s.Length == 0) return;
            // Metaspace "first": no "▁" is prepended when the text already starts with one (or a space).
            string normalized = (s[0] is ' ' or '\u2581' ? "" : "\u2581") + s.Replace(' ', '\u2581');
            Assert.Equal(t.Model.EncodeWord(normalized), t.Encode(s, addSpecialTokens: false));
        }, iter: 500);
    }
}

/// <summary>The merge hash table behaves as a dictionary, through growth and replacement.</summary>
public class MergeTableTests
{
    [Fact]
    public void BehavesAsADictionary()
    {
        var table = new MergeTable(4);
        var reference = new Dictionary<long, long>();
        var rng = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            long key = BpeMerger.PairKey(rng.Next(0, 300), rng.Next(0, 300));
            long value = rng.NextInt64(0, long.MaxValue);
            table.Set(key, value);
            reference[key] = value;
        }
        Assert.Equal(reference.Count, table.Count);
        foreach (var (key, value) in reference)
        {
            Assert.True(table.TryGetValue(key, out long got));
            Assert.Equal(value, got);
        }
        Assert.False(table.TryGetValue(BpeMerger.PairKey(301, 5), out _));
    }
}
