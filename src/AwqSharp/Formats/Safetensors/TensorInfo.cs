namespace AwqSharp.Formats.Safetensors;

/// <summary>One tensor's entry in a safetensors header. <see cref="Offset"/> is relative to the start of the data section.</summary>
public sealed record TensorInfo(string Name, SafetensorsDType DType, long[] Shape, long Offset, long ByteLength)
{
    /// <summary>Product of the shape (1 for a scalar).</summary>
    public long ElementCount
    {
        get { long n = 1; foreach (var d in Shape) n *= d; return n; }
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
