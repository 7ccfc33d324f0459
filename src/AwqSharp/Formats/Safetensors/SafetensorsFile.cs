using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace AwqSharp.Formats.Safetensors;

/// <summary>
/// One memory-mapped <c>.safetensors</c> file. Tensor bytes are never copied into managed memory
/// until asked for (<see cref="GetBytes(string)"/> is a view into the mapping). The header is fully validated
/// on open, so every later read is in range.
/// </summary>
public sealed unsafe class SafetensorsFile : ITensorSource
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorInfo> _tensors;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePtr, long dataStart,
        Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path; _map = map; _view = view; _base = basePtr; _dataStart = dataStart; _tensors = tensors; Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (string to string).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in data-offset order.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _tensors.Values.OrderBy(t => t.Offset).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();

    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="InvalidModelFileException">The file is truncated, its header malformed or lying.</exception>
    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such safetensors file", path);
        long length = new FileInfo(path).Length;
        if (length < 8) throw new InvalidModelFileException(path, $"file is {length} bytes, too short for a safetensors header length (8 bytes)");
        ulong headerLength;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> lenBytes = stackalloc byte[8];
            fs.ReadExactly(lenBytes);
            headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        }
        if (headerLength > (ulong)SafetensorsHeader.MaxHeaderBytes)
            throw new InvalidModelFileException(path, $"header length {headerLength} exceeds the {SafetensorsHeader.MaxHeaderBytes}-byte limit (not a safetensors file, or corrupt)");
        if (8 + (long)headerLength > length)
            throw new InvalidModelFileException(path, $"header length {headerLength} runs past the end of the {length}-byte file (truncated?)");
        long dataStart = 8 + (long)headerLength;
        long dataLength = length - dataStart;

        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            ptr += view.PointerOffset;
            var header = new ReadOnlySpan<byte>(ptr + 8, checked((int)headerLength));
            var (tensors, metadata) = SafetensorsHeader.Parse(path, header, dataLength);
            return new SafetensorsFile(path, map, view, ptr, dataStart, tensors, metadata);
        }
        catch
        {
            if (view is not null) { view.SafeMemoryMappedViewHandle.ReleasePointer(); view.Dispose(); }
            map.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public TensorInfo GetInfo(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _tensors.TryGetValue(name, out var info) ? info
            : throw new InvalidModelFileException(Path, $"no tensor named '{name}'");
    }

    public bool TryGetInfo(string name, out TensorInfo info) => _tensors.TryGetValue(name, out info!);

    /// <summary>The raw little-endian bytes of a tensor: a view into the mapping, valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
            throw new InvalidModelFileException(Path, $"tensor '{name}' is {info.ByteLength} bytes, more than one span can address; read it in slices with GetBytes(name, offset, count)");
        return new ReadOnlySpan<byte>(_base + _dataStart + info.Offset, (int)info.ByteLength);
    }

    /// <summary>A slice of a tensor's bytes (for tensors over 2 GiB).</summary>
    public ReadOnlySpan<byte> GetBytes(string name, long offset, int count)
    {
        var info = GetInfo(name);
        if (offset < 0 || count < 0 || offset + count > info.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + count}) is outside tensor '{name}' ({info.ByteLength} bytes)");
        return new ReadOnlySpan<byte>(_base + _dataStart + info.Offset + offset, count);
    }

    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        if (destination.Length != info.ElementCount)
            throw new ArgumentException($"{Path}: tensor '{name}' has {info.ElementCount} elements, destination has {destination.Length}", nameof(destination));
        if (!SafetensorsDTypes.ConvertsToFloat32(info.DType))
            throw new InvalidModelFileException(Path, $"tensor '{name}' has dtype {info.DType}, which does not convert to float32");
        ElementConversion.ToFloat32(GetBytes(name), info.DType, destination);
    }

    public float[] ReadFloat32(string name)
    {
        var info = GetInfo(name);
        var result = new float[info.ElementCount];
        ReadFloat32(name, result);
        return result;
    }

    public int[] ReadInt32(string name)
    {
        var info = GetInfo(name);
        if (info.DType != SafetensorsDType.I32)
            throw new InvalidModelFileException(Path, $"tensor '{name}' has dtype {info.DType}, expected I32");
        return MemoryMarshal.Cast<byte, int>(GetBytes(name)).ToArray();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null) { _view.SafeMemoryMappedViewHandle.ReleasePointer(); _view.Dispose(); }
        _map?.Dispose();
    }
}
