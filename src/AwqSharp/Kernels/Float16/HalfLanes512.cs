using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Float16;

/// <summary>AVX-512: 16 halves per <c>vpmovsxwd</c>, widened with the integer arithmetic of <see cref="HalfBits"/>.</summary>
internal readonly unsafe struct HalfLanes512 : IHalfLanes<Vector512<float>>
{
    public static int Count => 16;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* p) => Simd512.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Simd512.MulAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> v) => Simd512.Sum(v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadBFloat16(ushort* p) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Avx.LoadVector256((short*)p)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadFloat16(ushort* p)
    {
        var a = Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Avx.LoadVector256((short*)p)), 13);
        var exponent = a & Vector512.Create(HalfBits.ExponentField);
        var normal = (a & Vector512.Create(HalfBits.SignExponentMantissa)) + Vector512.Create(HalfBits.Rebias);
        if (Vector512.EqualsAny(exponent, Vector512<int>.Zero)) normal = WithSubnormals(a, exponent, normal);
        return normal.AsSingle();
    }

    /// <summary>Lanes with a zero exponent field become <c>±m · 2⁻²⁴</c> (rare in trained weights: a branch the predictor skips).
    /// Inlined: a call would make the JIT spill every live vector register around it, in the hot loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> WithSubnormals(Vector512<int> a, Vector512<int> exponent, Vector512<int> normal)
    {
        var magnitude = Vector512.ConvertToSingle((a >> 13) & Vector512.Create(HalfBits.MantissaMask)) * Vector512.Create(HalfBits.SubnormalUnit);
        var small = magnitude.AsInt32() | (a & Vector512.Create(HalfBits.SignBit));
        return Vector512.ConditionalSelect(Vector512.Equals(exponent, Vector512<int>.Zero), small, normal);
    }
}
