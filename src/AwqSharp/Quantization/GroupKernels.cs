using System.Runtime.Intrinsics;

namespace AwqSharp.Quantization;

/// <summary>The instruction-set path a kernel runs on (tests force each one).</summary>
internal enum SimdPath { Scalar, Vector128, Vector256, Vector512 }

/// <summary>
/// Per-group float32 kernels of the group quantizer: the extremes of a group, and the quantization map of
/// <see cref="GroupParameters"/>. One file per instruction-set path; every path computes bit-identical results
/// (the map uses only IEEE-exact operations: clamp, divide, round-half-even, add, subtract, multiply).
/// </summary>
internal static partial class GroupKernels
{
    /// <summary>The widest path this machine accelerates.</summary>
    public static SimdPath Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdPath.Vector512 :
        Vector256.IsHardwareAccelerated ? SimdPath.Vector256 :
        Vector128.IsHardwareAccelerated ? SimdPath.Vector128 : SimdPath.Scalar;

    /// <summary>True when <paramref name="path"/> can run here.</summary>
    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Scalar => true,
        SimdPath.Vector128 => Vector128.IsHardwareAccelerated,
        SimdPath.Vector256 => Vector256.IsHardwareAccelerated,
        SimdPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>
    /// Minimum and maximum of a non-empty group. Returns false (and meaningless extremes) when the group holds a
    /// NaN or an infinity.
    /// </summary>
    public static bool MinMax(ReadOnlySpan<float> x, out float min, out float max, SimdPath path) => path switch
    {
        SimdPath.Vector512 => MinMaxVector512(x, out min, out max),
        SimdPath.Vector256 => MinMaxVector256(x, out min, out max),
        SimdPath.Vector128 => MinMaxVector128(x, out min, out max),
        _ => MinMaxScalar(x, out min, out max),
    };

    /// <summary>
    /// <c>destination[i] = q</c> or, when <paramref name="dequantize"/>, <c>(q - Zero) · Scale</c>, where
    /// <c>q = clamp(round(clamp(source[i], Lo, Hi) / Scale) + Zero, 0, MaxCode)</c>. <paramref name="destination"/> may be
    /// <paramref name="source"/> itself (in place) but must not otherwise overlap it.
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> source, Span<float> destination, in GroupParameters p, bool dequantize, SimdPath path)
    {
        switch (path)
        {
            case SimdPath.Vector512: QuantizeVector512(source, destination, p, dequantize); break;
            case SimdPath.Vector256: QuantizeVector256(source, destination, p, dequantize); break;
            case SimdPath.Vector128: QuantizeVector128(source, destination, p, dequantize); break;
            default: QuantizeScalar(source, destination, p, dequantize, 0); break;
        }
    }
}
