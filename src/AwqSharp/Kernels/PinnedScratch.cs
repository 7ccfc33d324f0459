using System.Buffers;
using System.Runtime.InteropServices;

namespace AwqSharp.Kernels;

/// <summary>
/// A float scratch buffer rented from <see cref="ArrayPool{T}.Shared"/>, pinned, with a 64-byte aligned pointer
/// (one cache line, one 512-bit vector). Dispose returns it.
/// </summary>
internal sealed unsafe class PinnedScratch : IDisposable
{
    /// <summary>Extra floats rented so that the aligned pointer still has <see cref="Length"/> floats after it.</summary>
    public const int AlignFloats = 16;
    private float[]? _array;
    private GCHandle _handle;

    public PinnedScratch(int length)
    {
        _array = ArrayPool<float>.Shared.Rent(length + AlignFloats);
        _handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        nint address = _handle.AddrOfPinnedObject();
        Pointer = (float*)((address + 63) & ~(nint)63);
        Length = length;
    }

    /// <summary>First element, 64-byte aligned.</summary>
    public float* Pointer { get; }

    public int Length { get; }

    public void Dispose()
    {
        if (_array is null) return;
        _handle.Free();
        ArrayPool<float>.Shared.Return(_array);
        _array = null;
    }
}
