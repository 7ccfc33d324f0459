using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Float16;

/// <summary>AVX2: 8 halves per <c>vpmovsxwd</c>, widened with the integer arithmetic of <see cref="HalfBits"/>.</summary>
internal readonly unsafe struct HalfLanes256 : IHalfLanes<Vector256<float>>
{
    public static int Count => 8;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(float* p) => Simd256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Simd256.MulAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> v) => Simd256.Sum(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadBFloat16(ushort* p) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((short*)p), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LoadFloat16(ushort* p)
    {
        var a = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((short*)p), 13);
        var exponent = a & Vector256.Create(HalfBits.ExponentField);
        var normal = (a & Vector256.Create(HalfBits.SignExponentMantissa)) + Vector256.Create(HalfBits.Rebias);
        if (Vector256.EqualsAny(exponent, Vector256<int>.Zero)) normal = WithSubnormals(a, exponent, normal);
        return normal.AsSingle();
    }

    /// <summary>Lanes with a zero exponent field become <c>±m · 2⁻²⁴</c> (rare in trained weights: a branch the predictor skips).
    /// Inlined: a call would make the JIT spill every live vector register around it, in the hot loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> WithSubnormals(Vector256<int> a, Vector256<int> exponent, Vector256<int> normal)
    {
        var magnitude = Vector256.ConvertToSingle((a >> 13) & Vector256.Create(HalfBits.MantissaMask)) * Vector256.Create(HalfBits.SubnormalUnit);
        var small = magnitude.AsInt32() | (a & Vector256.Create(HalfBits.SignBit));
        return Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<int>.Zero), small, normal);
    }
}
