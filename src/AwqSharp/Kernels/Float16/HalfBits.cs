namespace AwqSharp.Kernels.Float16;

/// <summary>
/// The bit arithmetic that widens binary16 to float32 in integer lanes. A half <c>h</c> sign-extended to 32 bits and
/// shifted left by 13 has its sign in bits 28..31, its 5-bit exponent in bits 23..27 and its mantissa in bits 13..22:
/// keeping bit 31 and bits 0..27 (<see cref="SignExponentMantissa"/>) and adding 112 to the exponent field
/// (<see cref="Rebias"/>: float32's bias 127 minus binary16's 15) gives the float32 bits of every normal half, with
/// integer operations only. Zeros and subnormals (exponent field 0) are rebuilt from the mantissa as
/// <c>±m · 2⁻²⁴</c>; that path never multiplies a float32 subnormal, which some CPUs handle in slow microcode.
/// </summary>
internal static class HalfBits
{
    public const int SignExponentMantissa = unchecked((int)0x8FFF_FFFF);
    public const int Rebias = 112 << 23;
    /// <summary>The half's exponent field after the shift by 13.</summary>
    public const int ExponentField = 0x0F80_0000;
    public const int SignBit = int.MinValue;
    public const int MantissaMask = 0x3FF;
    /// <summary>2⁻²⁴, the value of a subnormal half's least mantissa bit.</summary>
    public const float SubnormalUnit = 1f / (1 << 24);

    /// <summary>The exponent field value of ±∞ and NaN.</summary>
    public const int InfinityExponent = 0x7C00;

    /// <summary>
    /// The scalar form of the vector widening (the kernels' tails): the same bit arithmetic, so no call (the JIT
    /// would spill the kernel's vector accumulators around one) and the same exact result as <see cref="Half"/>'s.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Float16ToSingle(ushort h)
    {
        int a = (short)h << 13;
        if ((a & ExponentField) != 0) return BitConverter.Int32BitsToSingle((a & SignExponentMantissa) + Rebias);
        float magnitude = ((a >> 13) & MantissaMask) * SubnormalUnit;
        return a < 0 ? -magnitude : magnitude;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort h) => BitConverter.Int32BitsToSingle(h << 16);

    public static float ToSingle(ushort h, HalfFormat format) => format == HalfFormat.BFloat16 ? BFloat16ToSingle(h) : Float16ToSingle(h);
}
