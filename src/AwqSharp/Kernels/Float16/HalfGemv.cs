using System.Runtime.CompilerServices;

namespace AwqSharp.Kernels.Float16;

/// <summary>
/// The decode product on 16-bit weights: <c>y[n] = W[n, k] · x[k]</c> for one activation row, the weights widened to
/// float32 in registers as they stream in (2 bytes read per weight, half of float32's). Tiles of 4 weight rows share
/// each activation load; threads take chunks of rows.
/// </summary>
/// <remarks>
/// The arithmetic per output is the float32 streaming kernel's (<see cref="DotGemm{TVec, TSimd}"/>): one vector
/// accumulator of fused multiply-adds along <c>k</c>, the lane sum, the scalar tail in order, then the bias. So the
/// result is bitwise that of <see cref="MatMul"/> on the widened weights, whatever the thread count.
/// </remarks>
internal static unsafe class HalfGemv<TVec, TLanes, TFormat>
    where TVec : struct
    where TLanes : struct, IHalfLanes<TVec>
    where TFormat : struct, IHalfFormat
{
    /// <summary>Weight rows per parallel work item: 64 rows of 2048 halves is 256 KiB.</summary>
    private const int ChunkRows = 64;

    public static void Run(ushort* w, int n, int k, float* x, float* y, float* bias, int degree)
    {
        int chunks = (n + ChunkRows - 1) / ChunkRows;
        if ((long)n * k < MatMul.ParallelMinMultiplyAdds) degree = 1;
        Parallelism.For(chunks, degree, c =>
        {
            int n0 = c * ChunkRows, end = Math.Min(n, n0 + ChunkRows);
            for (int j0 = n0; j0 < end; j0 += 4)
            {
                int rows = Math.Min(4, end - j0);
                // Rows past the end alias the last valid row; their results are not stored.
                ushort* w0 = w + (long)j0 * k;
                ushort* w1 = w + (long)(j0 + Math.Min(1, rows - 1)) * k;
                ushort* w2 = w + (long)(j0 + Math.Min(2, rows - 1)) * k;
                ushort* w3 = w + (long)(j0 + Math.Min(3, rows - 1)) * k;
                Tile(x, w0, w1, w2, w3, k, y + j0, rows, bias == null ? null : bias + j0);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Widen(ushort* p) => TFormat.IsBFloat16 ? TLanes.LoadBFloat16(p) : TLanes.LoadFloat16(p);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* x, ushort* w0, ushort* w1, ushort* w2, ushort* w3, int k, float* y, int rows, float* bias)
    {
        int vc = TLanes.Count, kv = k - k % vc;
        TVec a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero;
        for (int p = 0; p < kv; p += vc)
        {
            TVec xv = TLanes.Load(x + p);
            a0 = TLanes.MulAdd(xv, Widen(w0 + p), a0);
            a1 = TLanes.MulAdd(xv, Widen(w1 + p), a1);
            a2 = TLanes.MulAdd(xv, Widen(w2 + p), a2);
            a3 = TLanes.MulAdd(xv, Widen(w3 + p), a3);
        }
        float s0 = Finish(a0, x, w0, kv, k), s1 = Finish(a1, x, w1, kv, k), s2 = Finish(a2, x, w2, kv, k), s3 = Finish(a3, x, w3, kv, k);
        y[0] = bias == null ? s0 : s0 + bias[0];
        if (rows > 1) y[1] = bias == null ? s1 : s1 + bias[1];
        if (rows > 2) y[2] = bias == null ? s2 : s2 + bias[2];
        if (rows > 3) y[3] = bias == null ? s3 : s3 + bias[3];
    }

    /// <summary>Lane sum, then the scalar tail <c>[kv, k)</c> in order (as <see cref="DotGemm{TVec, TSimd}"/> finishes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(TVec acc, float* x, ushort* w, int kv, int k)
    {
        float s = TLanes.Sum(acc);
        for (int p = kv; p < k; p++)
            s += x[p] * (TFormat.IsBFloat16 ? HalfBits.BFloat16ToSingle(w[p]) : HalfBits.Float16ToSingle(w[p]));
        return s;
    }

    /// <summary>Widens <paramref name="count"/> values from <paramref name="source"/> to float32 (the prefill path's weight blocks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ushort* source, float* destination, long count)
    {
        int vc = TLanes.Count;
        long i = 0;
        for (; i + vc <= count; i += vc) Unsafe.WriteUnaligned(destination + i, Widen(source + i));
        for (; i < count; i++) destination[i] = TFormat.IsBFloat16 ? HalfBits.BFloat16ToSingle(source[i]) : HalfBits.Float16ToSingle(source[i]);
    }
}
