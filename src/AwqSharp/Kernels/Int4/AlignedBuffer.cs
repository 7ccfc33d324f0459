using System.Runtime.InteropServices;

namespace AwqSharp.Kernels.Int4;

/// <summary>64-byte aligned native float scratch (cache-line aligned vector loads), freed on dispose.</summary>
internal readonly unsafe struct AlignedBuffer : IDisposable
{
    public AlignedBuffer(long floats, bool clear = false)
    {
        nuint bytes = (nuint)Math.Max(1, floats) * sizeof(float);
        Pointer = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        if (clear) NativeMemory.Clear(Pointer, bytes);
    }

    public float* Pointer { get; }

    public void Dispose()
    {
        if (Pointer != null) NativeMemory.AlignedFree(Pointer);
    }
}
