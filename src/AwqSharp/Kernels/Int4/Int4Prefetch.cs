using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>Software prefetch of the GEMV tile codes (x86 only: the callers run on AVX2 / AVX-512).</summary>
internal static unsafe class Int4Prefetch
{
    /// <summary>
    /// Bytes ahead of the current chunk the kernels prefetch (16 chunks): the hardware prefetchers alone
    /// leave a compute-heavy stream ~30% short of what the core can process. On this project's Zen 5 machine
    /// (2 threads, llama-1b layer shapes) 2 KiB ahead gave 27 GB/s, 4 KiB 32, 8 KiB 33, 12-16 KiB less; 4 KiB
    /// keeps the prefetched codes plus the activations of a 5632-wide input (22 KiB) inside a 32 KiB L1.
    /// </summary>
    public const int Distance = 4096;

    /// <summary>Prefetches the 4 cache lines of the tile chunk <see cref="Distance"/> bytes past <paramref name="chunk"/> (harmless past the end: prefetches never fault).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Chunk(byte* chunk)
    {
        Sse.Prefetch0(chunk + Distance);
        Sse.Prefetch0(chunk + Distance + 64);
        Sse.Prefetch0(chunk + Distance + 128);
        Sse.Prefetch0(chunk + Distance + 192);
    }
}
