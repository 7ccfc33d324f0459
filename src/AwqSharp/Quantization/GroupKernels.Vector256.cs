using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Quantization;

internal static partial class GroupKernels
{
    private static bool MinMaxVector256(ReadOnlySpan<float> x, out float min, out float max)
    {
        int n = x.Length, count = Vector256<float>.Count;
        if (n < count) return MinMaxScalar(x, out min, out max);
        ref float p = ref MemoryMarshal.GetReference(x);
        var vmin = Vector256.LoadUnsafe(ref p);
        var vmax = vmin;
        var nonFinite = vmin * Vector256<float>.Zero;   // 0 for finite lanes, NaN for ±∞ and NaN
        int i = count;
        for (; i <= n - count; i += count)
        {
            var v = Vector256.LoadUnsafe(ref p, (nuint)i);
            vmin = Vector256.MinNative(vmin, v);
            vmax = Vector256.MaxNative(vmax, v);
            nonFinite += v * Vector256<float>.Zero;
        }
        if (i < n)
        {
            // Overlapping last vector: extremes are idempotent.
            var v = Vector256.LoadUnsafe(ref p, (nuint)(n - count));
            vmin = Vector256.MinNative(vmin, v);
            vmax = Vector256.MaxNative(vmax, v);
            nonFinite += v * Vector256<float>.Zero;
        }
        min = vmin[0]; max = vmax[0];
        for (int k = 1; k < count; k++)
        {
            min = Math.Min(min, vmin[k]);
            max = Math.Max(max, vmax[k]);
        }
        return Vector256.EqualsAll(nonFinite, Vector256<float>.Zero);
    }

    private static void QuantizeVector256(ReadOnlySpan<float> source, Span<float> destination, in GroupParameters p, bool dequantize)
    {
        int n = source.Length, count = Vector256<float>.Count;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        var scale = Vector256.Create(p.Scale);
        var zero = Vector256.Create(p.Zero);
        var lo = Vector256.Create(p.Lo);
        var hi = Vector256.Create(p.Hi);
        var maxCode = Vector256.Create(p.MaxCode);
        int i = 0;
        if (dequantize)
        {
            for (; i <= n - count; i += count)
                Map(Vector256.LoadUnsafe(ref src, (nuint)i), scale, zero, lo, hi, maxCode, dequantize: true).StoreUnsafe(ref dst, (nuint)i);
        }
        else
        {
            for (; i <= n - count; i += count)
                Map(Vector256.LoadUnsafe(ref src, (nuint)i), scale, zero, lo, hi, maxCode, dequantize: false).StoreUnsafe(ref dst, (nuint)i);
        }
        // The scalar tail computes the same IEEE operations, so results do not depend on where the tail starts.
        if (i < n) QuantizeScalar(source, destination, p, dequantize, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Map(Vector256<float> w, Vector256<float> scale, Vector256<float> zero,
        Vector256<float> lo, Vector256<float> hi, Vector256<float> maxCode, bool dequantize)
    {
        w = Vector256.MinNative(Vector256.MaxNative(w, lo), hi);
        var q = Vector256.Round(w / scale) + zero;   // round half to even, as torch.round
        q = Vector256.MinNative(Vector256.MaxNative(q, Vector256<float>.Zero), maxCode);
        return dequantize ? (q - zero) * scale : q;
    }
}
