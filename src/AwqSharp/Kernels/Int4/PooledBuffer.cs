using System.Runtime.InteropServices;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Large 64-byte aligned float scratch reused across calls (one cached block process-wide): fresh
/// multi-megabyte native allocations cost a page fault per 4 KiB, which for the packed activations of a
/// prefill is more than the packing itself. Blocks above <see cref="MaxCachedFloats"/> are not kept.
/// </summary>
internal readonly unsafe struct PooledBuffer : IDisposable
{
    /// <summary>64 MiB.</summary>
    internal const long MaxCachedFloats = 16L << 20;

    private sealed class Block(float* pointer, long capacity)
    {
        public readonly float* Pointer = pointer;
        public readonly long Capacity = capacity;
        ~Block() => NativeMemory.AlignedFree(Pointer);
    }

    private static Block? s_cached;
    private readonly Block _block;

    public PooledBuffer(long floats)
    {
        floats = Math.Max(1, floats);
        var block = Interlocked.Exchange(ref s_cached, null);
        if (block is null || block.Capacity < floats)
        {
            if (block is not null) Release(block);
            block = new Block((float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64), floats);
        }
        _block = block;
    }

    public float* Pointer => _block.Pointer;

    public void Dispose()
    {
        if (_block is null) return;
        if (_block.Capacity > MaxCachedFloats || Interlocked.CompareExchange(ref s_cached, _block, null) is not null) Release(_block);
    }

    private static void Release(Block block)
    {
        GC.SuppressFinalize(block);
        NativeMemory.AlignedFree(block.Pointer);
    }
}
