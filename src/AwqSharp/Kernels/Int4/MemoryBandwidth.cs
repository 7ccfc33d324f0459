using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Measures the machine's streaming read bandwidth: the roofline of memory-bound decoding
/// (tokens/s ≤ bandwidth / weight bytes read per token).
/// </summary>
public static class MemoryBandwidth
{
    /// <summary>1 GiB: far larger than any last-level cache.</summary>
    public const long DefaultBufferBytes = 1L << 30;

    /// <summary>
    /// Reads a <paramref name="bufferBytes"/> buffer (written once beforehand, so its pages exist) with
    /// <paramref name="threads"/> threads (0: all processors), each streaming its own contiguous slice with
    /// the widest vector loads; returns the best of <paramref name="repetitions"/> passes in GB/s (10^9 bytes/s).
    /// </summary>
    public static unsafe double MeasureReadGBps(long bufferBytes = DefaultBufferBytes, int threads = 0, int repetitions = 5, CancellationToken cancellationToken = default)
    {
        if (bufferBytes < 1 << 20) throw new ArgumentOutOfRangeException(nameof(bufferBytes), $"buffer must be at least 1 MiB to measure memory, got {bufferBytes} bytes");
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be 0 (all) or positive, got {threads}");
        if (repetitions < 1) throw new ArgumentOutOfRangeException(nameof(repetitions), $"repetitions must be at least 1, got {repetitions}");
        if (threads == 0) threads = Environment.ProcessorCount;
        const int block = 256; // bytes one inner iteration reads
        long slice = bufferBytes / threads / block * block;
        if (slice == 0) throw new ArgumentOutOfRangeException(nameof(bufferBytes), $"a {bufferBytes}-byte buffer is too small for {threads} threads");
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)(slice * threads), 64);
        try
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
            Parallel.For(0, threads, options, t => NativeMemory.Fill(buffer + t * slice, (nuint)slice, (byte)(t + 1)));
            double best = 0;
            var sink = new float[threads];
            for (int rep = 0; rep < repetitions; rep++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                Parallel.For(0, threads, options, t => sink[t] = ReadSlice(buffer + t * slice, slice));
                double seconds = clock.Elapsed.TotalSeconds;
                best = Math.Max(best, slice * threads / seconds / 1e9);
            }
            GC.KeepAlive(sink);
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    /// <summary>Reads every byte of a slice (a multiple of 256 bytes) into four independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float ReadSlice(byte* p, long bytes)
    {
        byte* end = p + bytes;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; p < end; p += 256)
            {
                a0 += Vector512.Load((int*)p); a1 += Vector512.Load((int*)(p + 64));
                a2 += Vector512.Load((int*)(p + 128)); a3 += Vector512.Load((int*)(p + 192));
            }
            return Vector512.Sum(a0 + a1 + a2 + a3);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; p < end; p += 128)
            {
                a0 += Vector256.Load((int*)p); a1 += Vector256.Load((int*)(p + 32));
                a2 += Vector256.Load((int*)(p + 64)); a3 += Vector256.Load((int*)(p + 96));
            }
            return Vector256.Sum(a0 + a1 + a2 + a3);
        }
        Vector128<int> b0 = default, b1 = default, b2 = default, b3 = default;
        for (; p < end; p += 64)
        {
            b0 += Vector128.Load((int*)p); b1 += Vector128.Load((int*)(p + 16));
            b2 += Vector128.Load((int*)(p + 32)); b3 += Vector128.Load((int*)(p + 48));
        }
        return Vector128.Sum(b0 + b1 + b2 + b3);
    }
}
