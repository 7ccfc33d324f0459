namespace AwqSharp.Runtime;

/// <summary>
/// The key/value cache of one sequence: per layer, keys and values of every position so far,
/// preallocated for <see cref="Capacity"/> positions, each row <c>kvHeads * headDim</c> float32.
/// </summary>
public sealed class KvCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;

    public KvCache(int layers, int kvDim, int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), "capacity must be positive");
        Layers = layers; KvDim = kvDim; Capacity = capacity;
        _keys = new float[layers][];
        _values = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = new float[(long)capacity * kvDim];
            _values[l] = new float[(long)capacity * kvDim];
        }
    }

    public int Layers { get; }
    public int KvDim { get; }
    public int Capacity { get; }
    /// <summary>Positions filled so far (the next token's position).</summary>
    public int Length { get; private set; }

    public Span<float> Keys(int layer) => _keys[layer];
    public Span<float> Values(int layer) => _values[layer];

    /// <summary>Called by the model after every layer wrote <paramref name="count"/> new positions.</summary>
    public void Advance(int count)
    {
        if (Length + count > Capacity) throw new InvalidOperationException($"KV cache full: {Length} + {count} positions > capacity {Capacity}");
        Length += count;
    }

    public void EnsureRoom(int count)
    {
        if (Length + count > Capacity)
            throw new AwqException($"sequence too long: {Length} cached + {count} new positions exceed the context of {Capacity}");
    }

    /// <summary>Forgets positions from <paramref name="length"/> on (e.g. /reset, or rewinding a prompt).</summary>
    public void Truncate(int length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length));
        Length = length;
    }

    public long Bytes => 2L * Layers * Capacity * KvDim * sizeof(float);
}
