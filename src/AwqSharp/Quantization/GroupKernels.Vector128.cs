using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Quantization;

internal static partial class GroupKernels
{
    private static bool MinMaxVector128(ReadOnlySpan<float> x, out float min, out float max)
    {
        int n = x.Length, count = Vector128<float>.Count;
        if (n < count) return MinMaxScalar(x, out min, out max);
        ref float p = ref MemoryMarshal.GetReference(x);
        var vmin = Vector128.LoadUnsafe(ref p);
        var vmax = vmin;
        var nonFinite = vmin * Vector128<float>.Zero;   // 0 for finite lanes, NaN for ±∞ and NaN
        int i = count;
        for (; i <= n - count; i += count)
        {
            var v = Vector128.LoadUnsafe(ref p, (nuint)i);
            vmin = Vector128.MinNative(vmin, v);
            vmax = Vector128.MaxNative(vmax, v);
            nonFinite += v * Vector128<float>.Zero;
        }
        if (i < n)
        {
            // Overlapping last vector: extremes are idempotent.
            var v = Vector128.LoadUnsafe(ref p, (nuint)(n - count));
            vmin = Vector128.MinNative(vmin, v);
            vmax = Vector128.MaxNative(vmax, v);
            nonFinite += v * Vector128<float>.Zero;
        }
        min = vmin[0]; max = vmax[0];
        for (int k = 1; k < count; k++)
        {
            min = Math.Min(min, vmin[k]);
            max = Math.Max(max, vmax[k]);
        }
        return Vector128.EqualsAll(nonFinite, Vector128<float>.Zero);
    }

    private static void QuantizeVector128(ReadOnlySpan<float> source, Span<float> destination, in GroupParameters p, bool dequantize)
    {
        int n = source.Length, count = Vector128<float>.Count;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        var scale = Vector128.Create(p.Scale);
        var zero = Vector128.Create(p.Zero);
        var lo = Vector128.Create(p.Lo);
        var hi = Vector128.Create(p.Hi);
        var maxCode = Vector128.Create(p.MaxCode);
        int i = 0;
        if (dequantize)
        {
            for (; i <= n - count; i += count)
                Map(Vector128.LoadUnsafe(ref src, (nuint)i), scale, zero, lo, hi, maxCode, dequantize: true).StoreUnsafe(ref dst, (nuint)i);
        }
        else
        {
            for (; i <= n - count; i += count)
                Map(Vector128.LoadUnsafe(ref src, (nuint)i), scale, zero, lo, hi, maxCode, dequantize: false).StoreUnsafe(ref dst, (nuint)i);
        }
        // The scalar tail computes the same IEEE operations, so results do not depend on where the tail starts.
        if (i < n) QuantizeScalar(source, destination, p, dequantize, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Map(Vector128<float> w, Vector128<float> scale, Vector128<float> zero,
        Vector128<float> lo, Vector128<float> hi, Vector128<float> maxCode, bool dequantize)
    {
        w = Vector128.MinNative(Vector128.MaxNative(w, lo), hi);
        var q = Vector128.Round(w / scale) + zero;   // round half to even, as torch.round
        q = Vector128.MinNative(Vector128.MaxNative(q, Vector128<float>.Zero), maxCode);
        return dequantize ? (q - zero) * scale : q;
    }
}
