using System.Runtime.InteropServices;

namespace AwqSharp.Formats.Safetensors;

/// <summary>A tensor to write: name, dtype, shape and its bytes (given, or produced when written so large models stream).</summary>
public sealed class SafetensorsTensor
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly Func<ReadOnlyMemory<byte>>? _producer;

    public SafetensorsTensor(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data)
        : this(name, dtype, shape) { _data = data; CheckLength(data.Length); }

    /// <summary>A tensor whose bytes are produced only when the writer reaches it (and dropped after).</summary>
    public SafetensorsTensor(string name, SafetensorsDType dtype, long[] shape, Func<ReadOnlyMemory<byte>> producer)
        : this(name, dtype, shape) { _producer = producer; }

    private SafetensorsTensor(string name, SafetensorsDType dtype, long[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved", nameof(name));
        if (shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}': negative dimension in shape", nameof(shape));
        Name = name; DType = dtype; Shape = shape;
        ByteLength = checked(shape.Aggregate(1L, (a, d) => a * d) * SafetensorsDTypes.SizeOf(dtype));
    }

    public string Name { get; }
    public SafetensorsDType DType { get; }
    public long[] Shape { get; }
    public long ByteLength { get; }

    internal ReadOnlyMemory<byte> GetData()
    {
        var data = _producer is null ? _data : _producer();
        CheckLength(data.Length);
        return data;
    }

    private void CheckLength(long length)
    {
        if (length != ByteLength)
            throw new ArgumentException($"tensor '{Name}': {length} bytes given, shape [{string.Join(", ", Shape)}] of {DType} needs {ByteLength}");
    }

    public static SafetensorsTensor FromFloat32(string name, float[] data, long[] shape, SafetensorsDType dtype = SafetensorsDType.F32) =>
        new(name, dtype, shape, ElementConversion.FromFloat32(data, dtype));

    public static SafetensorsTensor FromInt32(string name, int[] data, long[] shape) =>
        new(name, SafetensorsDType.I32, shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static SafetensorsTensor FromHalf(string name, Half[] data, long[] shape) =>
        new(name, SafetensorsDType.F16, shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static SafetensorsTensor FromBytes(string name, byte[] data, long[] shape) =>
        new(name, SafetensorsDType.U8, shape, data);
}
