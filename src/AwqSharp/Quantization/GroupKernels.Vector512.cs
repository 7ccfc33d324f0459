using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Quantization;

internal static partial class GroupKernels
{
    private static bool MinMaxVector512(ReadOnlySpan<float> x, out float min, out float max)
    {
        int n = x.Length, count = Vector512<float>.Count;
        if (n < count) return MinMaxScalar(x, out min, out max);
        ref float p = ref MemoryMarshal.GetReference(x);
        var vmin = Vector512.LoadUnsafe(ref p);
        var vmax = vmin;
        var nonFinite = vmin * Vector512<float>.Zero;   // 0 for finite lanes, NaN for ±∞ and NaN
        int i = count;
        for (; i <= n - count; i += count)
        {
            var v = Vector512.LoadUnsafe(ref p, (nuint)i);
            vmin = Vector512.MinNative(vmin, v);
            vmax = Vector512.MaxNative(vmax, v);
            nonFinite += v * Vector512<float>.Zero;
        }
        if (i < n)
        {
            // Overlapping last vector: extremes are idempotent.
            var v = Vector512.LoadUnsafe(ref p, (nuint)(n - count));
            vmin = Vector512.MinNative(vmin, v);
            vmax = Vector512.MaxNative(vmax, v);
            nonFinite += v * Vector512<float>.Zero;
        }
        min = vmin[0]; max = vmax[0];
        for (int k = 1; k < count; k++)
        {
            min = Math.Min(min, vmin[k]);
            max = Math.Max(max, vmax[k]);
        }
        return Vector512.EqualsAll(nonFinite, Vector512<float>.Zero);
    }

    private static void QuantizeVector512(ReadOnlySpan<float> source, Span<float> destination, in GroupParameters p, bool dequantize)
    {
        int n = source.Length, count = Vector512<float>.Count;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        var scale = Vector512.Create(p.Scale);
        var zero = Vector512.Create(p.Zero);
        var lo = Vector512.Create(p.Lo);
        var hi = Vector512.Create(p.Hi);
        var maxCode = Vector512.Create(p.MaxCode);
        int i = 0;
        if (dequantize)
        {
            for (; i <= n - count; i += count)
                Map(Vector512.LoadUnsafe(ref src, (nuint)i), scale, zero, lo, hi, maxCode, dequantize: true).StoreUnsafe(ref dst, (nuint)i);
        }
        else
        {
            for (; i <= n - count; i += count)
                Map(Vector512.LoadUnsafe(ref src, (nuint)i), scale, zero, lo, hi, maxCode, dequantize: false).StoreUnsafe(ref dst, (nuint)i);
        }
        // The scalar tail computes the same IEEE operations, so results do not depend on where the tail starts.
        if (i < n) QuantizeScalar(source, destination, p, dequantize, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Map(Vector512<float> w, Vector512<float> scale, Vector512<float> zero,
        Vector512<float> lo, Vector512<float> hi, Vector512<float> maxCode, bool dequantize)
    {
        w = Vector512.MinNative(Vector512.MaxNative(w, lo), hi);
        var q = Vector512.Round(w / scale) + zero;   // round half to even, as torch.round
        q = Vector512.MinNative(Vector512.MaxNative(q, Vector512<float>.Zero), maxCode);
        return dequantize ? (q - zero) * scale : q;
    }
}
