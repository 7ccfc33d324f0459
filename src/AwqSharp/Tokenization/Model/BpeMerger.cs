using System.Buffers;
using System.Runtime.CompilerServices;

namespace AwqSharp.Tokenization.Model;

/// <summary>
/// Applies BPE merges to a word's symbols exactly as HuggingFace's <c>Word::merge_all</c> does: repeatedly
/// merge the pair with the lowest merge rank, the leftmost one on ties, until no pair has a merge.
/// Uses a min-heap of candidate pairs over a linked list of symbols (O(n log n)).
/// </summary>
internal static class BpeMerger
{
    /// <summary>Packs a symbol pair into a merge-table key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Packs a merge's rank and resulting id into a merge-table value.</summary>
    public static long MergeValue(int rank, int newId) => ((long)rank << 32) | (uint)newId;

    /// <summary>Merges <paramref name="symbols"/> in place and returns the number of symbols left.</summary>
    public static int MergeAll(Span<int> symbols, MergeTable merges)
    {
        int n = symbols.Length;
        if (n < 2) return n;
        if (n == 2)
        {
            if (!merges.TryGetValue(PairKey(symbols[0], symbols[1]), out long v)) return 2;
            symbols[0] = (int)v;
            return 1;
        }

        int[] links = ArrayPool<int>.Shared.Rent(2 * n);
        long[] heapKeys = ArrayPool<long>.Shared.Rent(3 * n);
        int[] heapIds = ArrayPool<int>.Shared.Rent(3 * n);
        try
        {
            Span<int> prev = links.AsSpan(0, n);
            Span<int> next = links.AsSpan(n, n);
            var heap = new MergeHeap(heapKeys, heapIds);
            for (int i = 0; i < n; i++)
            {
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
            for (int i = 0; i + 1 < n; i++)
                if (merges.TryGetValue(PairKey(symbols[i], symbols[i + 1]), out long v))
                    heap.Push((int)(v >> 32), i, (int)v);

            while (heap.TryPop(out int pos, out int newId))
            {
                if (symbols[pos] < 0) continue; // merged into its left neighbour
                int right = next[pos];
                if (right < 0) continue;
                // Skip stale entries: the pair at pos must still produce the same token.
                if (!merges.TryGetValue(PairKey(symbols[pos], symbols[right]), out long current) || (int)current != newId) continue;

                symbols[pos] = newId;
                symbols[right] = -1;
                int after = next[right];
                next[pos] = after;
                if (after >= 0) prev[after] = pos;

                int before = prev[pos];
                if (before >= 0 && merges.TryGetValue(PairKey(symbols[before], newId), out long left))
                    heap.Push((int)(left >> 32), before, (int)left);
                if (after >= 0 && merges.TryGetValue(PairKey(newId, symbols[after]), out long rightMerge))
                    heap.Push((int)(rightMerge >> 32), pos, (int)rightMerge);
            }

            int kept = 0;
            for (int i = 0; i < n; i++)
                if (symbols[i] >= 0) symbols[kept++] = symbols[i];
            return kept;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(links);
            ArrayPool<long>.Shared.Return(heapKeys);
            ArrayPool<int>.Shared.Return(heapIds);
        }
    }

    /// <summary>Binary min-heap ordered by (rank, position), the order HuggingFace pops merges in.</summary>
    private ref struct MergeHeap
    {
        private readonly long[] _keys; // rank << 32 | position
        private readonly int[] _ids;
        private int _count;

        public MergeHeap(long[] keys, int[] ids) { _keys = keys; _ids = ids; _count = 0; }

        public void Push(int rank, int position, int newId)
        {
            long key = ((long)rank << 32) | (uint)position;
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (_keys[parent] <= key) break;
                _keys[i] = _keys[parent];
                _ids[i] = _ids[parent];
                i = parent;
            }
            _keys[i] = key;
            _ids[i] = newId;
        }

        public bool TryPop(out int position, out int newId)
        {
            if (_count == 0) { position = newId = 0; return false; }
            position = (int)_keys[0];
            newId = _ids[0];
            int last = --_count;
            if (last > 0)
            {
                long key = _keys[last];
                int id = _ids[last];
                int i = 0;
                while (true)
                {
                    int child = 2 * i + 1;
                    if (child >= last) break;
                    if (child + 1 < last && _keys[child + 1] < _keys[child]) child++;
                    if (_keys[child] >= key) break;
                    _keys[i] = _keys[child];
                    _ids[i] = _ids[child];
                    i = child;
                }
                _keys[i] = key;
                _ids[i] = id;
            }
            return true;
        }
    }
}
