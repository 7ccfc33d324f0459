using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Float16;

/// <summary>
/// The 16-bit weight kernels of one instruction-set path and element format, as an object: <see cref="HalfMatrix"/>
/// picks one per call (<see cref="HalfKernels.For"/>: the only place the 6 specializations are listed) and calls through it. One
/// interface call per product; inside, the generic code is compiled for its struct type arguments.
/// </summary>
internal unsafe interface IHalfKernels
{
    /// <summary><see cref="HalfGemv{TVec, TLanes, TFormat}.Run"/>.</summary>
    void Gemv(ushort* w, int n, int k, float* x, float* y, float* bias, int degree);

    /// <summary><see cref="HalfGemv{TVec, TLanes, TFormat}.WidenTiles"/>.</summary>
    void WidenTiles(ushort* w, int k, int firstTile, int tileCount, float* destination);

    /// <summary><see cref="HalfGemv{TVec, TLanes, TFormat}.Widen(ushort*, float*, long)"/>.</summary>
    void Widen(ushort* source, float* destination, long count);
}

internal static class HalfKernels
{
    /// <summary>The kernels of a resolved path (<see cref="KernelIsa.Avx512"/>, <see cref="KernelIsa.Avx2"/> or portable) and format.</summary>
    public static IHalfKernels For(KernelIsa isa, HalfFormat format) => (isa, format) switch
    {
        (KernelIsa.Avx512, HalfFormat.BFloat16) => HalfKernels<Vector512<float>, HalfLanes512, BFloat16Elements>.Instance,
        (KernelIsa.Avx512, _) => HalfKernels<Vector512<float>, HalfLanes512, Float16Elements>.Instance,
        (KernelIsa.Avx2, HalfFormat.BFloat16) => HalfKernels<Vector256<float>, HalfLanes256, BFloat16Elements>.Instance,
        (KernelIsa.Avx2, _) => HalfKernels<Vector256<float>, HalfLanes256, Float16Elements>.Instance,
        (_, HalfFormat.BFloat16) => HalfKernels<Vector128<float>, HalfLanes128, BFloat16Elements>.Instance,
        _ => HalfKernels<Vector128<float>, HalfLanes128, Float16Elements>.Instance,
    };
}

internal sealed unsafe class HalfKernels<TVec, TLanes, TFormat> : IHalfKernels
    where TVec : struct
    where TLanes : struct, IHalfLanes<TVec>
    where TFormat : struct, IHalfFormat
{
    public static readonly HalfKernels<TVec, TLanes, TFormat> Instance = new();

    public void Gemv(ushort* w, int n, int k, float* x, float* y, float* bias, int degree) =>
        HalfGemv<TVec, TLanes, TFormat>.Run(w, n, k, x, y, bias, degree);

    public void WidenTiles(ushort* w, int k, int firstTile, int tileCount, float* destination) =>
        HalfGemv<TVec, TLanes, TFormat>.WidenTiles(w, k, firstTile, tileCount, destination);

    public void Widen(ushort* source, float* destination, long count) =>
        HalfGemv<TVec, TLanes, TFormat>.Widen(source, destination, count);
}
