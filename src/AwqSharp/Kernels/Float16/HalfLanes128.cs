using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Float16;

/// <summary>
/// The portable path (<see cref="Vector128{T}"/>: SSE4.1 on x86, AdvSimd on Arm): 4 halves per 8-byte load, sign-
/// extended and widened with the integer arithmetic of <see cref="HalfBits"/>.
/// </summary>
internal readonly unsafe struct HalfLanes128 : IHalfLanes<Vector128<float>>
{
    public static int Count => 4;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(float* p) => Simd128.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Simd128.MulAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v) => Simd128.Sum(v);

    /// <summary>Exactly 4 halves (8 bytes): never reads past the end of a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Widen(ushort* p) => Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(long*)p).AsInt16());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadBFloat16(ushort* p) => (Widen(p) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadFloat16(ushort* p)
    {
        var a = Widen(p) << 13;
        var exponent = a & Vector128.Create(HalfBits.ExponentField);
        var normal = (a & Vector128.Create(HalfBits.SignExponentMantissa)) + Vector128.Create(HalfBits.Rebias);
        if (Vector128.EqualsAny(exponent, Vector128<int>.Zero)) normal = WithSubnormals(a, exponent, normal);
        return normal.AsSingle();
    }

    /// <summary>Lanes with a zero exponent field become <c>±m · 2⁻²⁴</c> (rare in trained weights: a branch the predictor skips).
    /// Inlined: a call would make the JIT spill every live vector register around it, in the hot loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> WithSubnormals(Vector128<int> a, Vector128<int> exponent, Vector128<int> normal)
    {
        var magnitude = Vector128.ConvertToSingle((a >> 13) & Vector128.Create(HalfBits.MantissaMask)) * Vector128.Create(HalfBits.SubnormalUnit);
        var small = magnitude.AsInt32() | (a & Vector128.Create(HalfBits.SignBit));
        return Vector128.ConditionalSelect(Vector128.Equals(exponent, Vector128<int>.Zero), small, normal);
    }
}
