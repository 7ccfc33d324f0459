using System.Runtime.CompilerServices;

namespace AwqSharp.Tokenization.Model;

/// <summary>
/// Open-addressing hash table from a token pair (<see cref="BpeMerger.PairKey"/>) to its merge
/// (<see cref="BpeMerger.MergeValue"/>). A plain Dictionary&lt;long, long&gt; hashes a pair as left ^ right,
/// which collides massively for token ids below 2^17; here keys are mixed with a Fibonacci multiply.
/// </summary>
internal sealed class MergeTable
{
    private const long Empty = -1; // pair keys are never negative: ids are non-negative

    private long[] _keys;
    private long[] _values;
    private int _shift;
    private int _count;

    public MergeTable(int capacity)
    {
        int size = 16;
        while (size < capacity * 2) size <<= 1;
        _keys = new long[size];
        _values = new long[size];
        Array.Fill(_keys, Empty);
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)size);
    }

    /// <summary>Number of pairs.</summary>
    public int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> _shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(long key, out long value)
    {
        long[] keys = _keys;
        int mask = keys.Length - 1;
        for (int i = Slot(key); ; i = (i + 1) & mask)
        {
            long k = keys[i];
            if (k == key) { value = _values[i]; return true; }
            if (k == Empty) { value = 0; return false; }
        }
    }

    /// <summary>Adds or replaces the value of <paramref name="key"/>.</summary>
    public void Set(long key, long value)
    {
        if ((_count + 1) * 2 > _keys.Length) Grow();
        int mask = _keys.Length - 1;
        for (int i = Slot(key); ; i = (i + 1) & mask)
        {
            if (_keys[i] == key) { _values[i] = value; return; }
            if (_keys[i] != Empty) continue;
            _keys[i] = key;
            _values[i] = value;
            _count++;
            return;
        }
    }

    private void Grow()
    {
        var (keys, values) = (_keys, _values);
        _keys = new long[keys.Length * 2];
        _values = new long[keys.Length * 2];
        Array.Fill(_keys, Empty);
        _shift--;
        _count = 0;
        for (int i = 0; i < keys.Length; i++)
            if (keys[i] != Empty) Set(keys[i], values[i]);
    }
}
