using System.Collections.Concurrent;

namespace AwqSharp.Tokenization.Model;

/// <summary>
/// Thread-safe cache from a pre-token (its chars) to its BPE ids. Lookups take a span, so a hit
/// allocates nothing. Bounded: once full, new words are encoded but no longer stored.
/// </summary>
internal sealed class WordCache
{
    /// <summary>Longest word (in chars) that is stored.</summary>
    public const int MaxWordLength = 96;

    /// <summary>Most words stored.</summary>
    public const int MaxEntries = 1 << 18;

    private readonly ConcurrentDictionary<string, int[]> _map = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _count;

    public WordCache() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Number of stored words.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _lookup.TryGetValue(word, out ids!);

    public void Add(ReadOnlySpan<char> word, int[] ids)
    {
        if (word.Length > MaxWordLength || Volatile.Read(ref _count) >= MaxEntries) return;
        if (_lookup.TryAdd(word, ids)) Interlocked.Increment(ref _count);
    }
}
