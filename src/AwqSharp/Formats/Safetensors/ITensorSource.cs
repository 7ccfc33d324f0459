namespace AwqSharp.Formats.Safetensors;

/// <summary>Read access to named tensors: one safetensors file, or a (sharded) checkpoint directory.</summary>
public interface ITensorSource : IDisposable
{
    IEnumerable<string> TensorNames { get; }
    bool Contains(string name);
    TensorInfo GetInfo(string name);
    /// <summary>Raw little-endian bytes, a view valid until the source is disposed.</summary>
    ReadOnlySpan<byte> GetBytes(string name);
    float[] ReadFloat32(string name);
    void ReadFloat32(string name, Span<float> destination);
    int[] ReadInt32(string name);
}
