namespace AwqSharp.Kernels.Float16;

/// <summary>
/// The vector operations of the 16-bit weight kernels, one struct per width (the <see cref="ISimd{TVec}"/>
/// pattern): float32 loads and fused multiply-adds that are exactly those of the float32 kernels, plus loads that
/// widen <see cref="Count"/> 16-bit floats to float32 in registers, exactly (every finite value converts without
/// rounding).
/// </summary>
internal unsafe interface IHalfLanes<TVec> where TVec : struct
{
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(float* p);

    /// <summary><c>a · b + c</c>, the same operation as the float32 kernels' <see cref="ISimd{TVec}.MulAdd"/>.</summary>
    static abstract TVec MulAdd(TVec a, TVec b, TVec c);

    /// <summary>The lane sum in the float32 kernels' fixed order.</summary>
    static abstract float Sum(TVec v);

    /// <summary><see cref="Count"/> binary16 values (finite: the caller has rejected ±∞ and NaN) as float32.</summary>
    static abstract TVec LoadFloat16(ushort* p);

    /// <summary><see cref="Count"/> bfloat16 values as float32.</summary>
    static abstract TVec LoadBFloat16(ushort* p);
}

/// <summary>The element format as a type, so that the kernels' format choice is made by the JIT, not per element.</summary>
internal interface IHalfFormat
{
    static abstract bool IsBFloat16 { get; }
}

internal readonly struct Float16Elements : IHalfFormat
{
    public static bool IsBFloat16 => false;
}

internal readonly struct BFloat16Elements : IHalfFormat
{
    public static bool IsBFloat16 => true;
}
