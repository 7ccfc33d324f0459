namespace AwqSharp.Tokenization.Model;

/// <summary>
/// Cache from a pre-token (its chars) to its BPE ids, one dictionary per thread (as HuggingFace's per-thread
/// BPE caches): lookups take a span and neither lock nor allocate. Bounded: once a thread's dictionary is
/// full, new words are still encoded but no longer stored.
/// </summary>
internal sealed class WordCache
{
    /// <summary>Longest word (in chars) that is stored.</summary>
    public const int MaxWordLength = 96;

    /// <summary>Most words stored per thread.</summary>
    public const int MaxEntries = 1 << 16;

    private readonly ThreadLocal<Dictionary<string, int[]>> _perThread = new(() => new Dictionary<string, int[]>(1024));

    /// <summary>The calling thread's store; keep it for the duration of one encode call.</summary>
    public Store ForCurrentThread() => new(_perThread.Value!);

    /// <summary>One thread's cache.</summary>
    public readonly struct Store(Dictionary<string, int[]> map)
    {
        private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup = map.GetAlternateLookup<ReadOnlySpan<char>>();

        public int Count => map.Count;

        public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _lookup.TryGetValue(word, out ids!);

        public void Add(ReadOnlySpan<char> word, int[] ids)
        {
            if (word.Length <= MaxWordLength && map.Count < MaxEntries) _lookup.TryAdd(word, ids);
        }
    }
}
