using System.Runtime.CompilerServices;

namespace AwqSharp.Tokenization.Model;

/// <summary>A growable list of token ids with span appends (cheaper than List&lt;int&gt;.AddRange(int[])).</summary>
internal sealed class IdBuffer(int capacity)
{
    private int[] _items = new int[Math.Max(16, capacity)];
    private int _count;

    public int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int id)
    {
        if (_count == _items.Length) Grow(1);
        _items[_count++] = id;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddRange(ReadOnlySpan<int> ids)
    {
        if (_count + ids.Length > _items.Length) Grow(ids.Length);
        ids.CopyTo(_items.AsSpan(_count));
        _count += ids.Length;
    }

    public int[] ToArray() => _items.AsSpan(0, _count).ToArray();

    private void Grow(int needed) => Array.Resize(ref _items, Math.Max(_items.Length * 2, _count + needed));
}
