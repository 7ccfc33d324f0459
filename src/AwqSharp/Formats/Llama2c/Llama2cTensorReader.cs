using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AwqSharp.Formats.Llama2c;

/// <summary>Reads float32 tensors at the offsets a validated <see cref="Llama2cLayout"/> gives (positional reads, no shared cursor).</summary>
internal sealed class Llama2cTensorReader : IDisposable
{
    private readonly SafeFileHandle _handle;

    public Llama2cTensorReader(string path, Llama2cLayout layout)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("llama2.c checkpoints are little-endian; this host is not");
        Path = path;
        Layout = layout;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
    }

    public string Path { get; }
    public Llama2cLayout Layout { get; }

    /// <summary>The [Rows, Cols] matrix of <paramref name="tensor"/> for <paramref name="layer"/> (0 for per-model tensors).</summary>
    public float[] Read(Llama2cTensor tensor, int layer = 0)
    {
        var block = Layout[tensor];
        if (block.ElementsPerLayer > Array.MaxLength)
            throw new UnsupportedModelException($"{Path}: tensor {tensor} has {block.ElementsPerLayer} elements, more than one .NET array holds");
        var values = new float[block.ElementsPerLayer];
        Read(tensor, layer, MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>The raw little-endian float32 bytes of one matrix into <paramref name="destination"/> (exactly its size).</summary>
    public void Read(Llama2cTensor tensor, int layer, Span<byte> destination)
    {
        var block = Layout[tensor];
        if ((uint)layer >= (uint)block.Layers) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"{tensor} has {block.Layers} layer(s)");
        if (destination.Length != block.ElementsPerLayer * sizeof(float))
            throw new ArgumentException($"{tensor} needs {block.ElementsPerLayer * sizeof(float)} bytes, destination has {destination.Length}", nameof(destination));
        long offset = block.OffsetOf(layer);
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(_handle, destination, offset);
            if (n == 0) throw new InvalidModelFileException(Path, $"unexpected end of file reading {tensor} at byte {offset} (file changed while reading?)");
            destination = destination[n..];
            offset += n;
        }
    }

    public void Dispose() => _handle.Dispose();
}
