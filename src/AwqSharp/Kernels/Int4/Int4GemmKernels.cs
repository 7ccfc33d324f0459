using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// GEMM micro-kernels: <c>c[r, j] += Σ_i strip[i · 8 + r] · panel[i · 32 + j]</c> for one 8-row strip and
/// one 32-column panel, each output a sequential FMA chain over i (so every path gives the same value for
/// the same dequantized weights, up to FMA availability). AVX-512 holds the whole 8×32 tile in 16
/// registers; AVX2 and Vector128 cover it in 4×16 and 4×8 sub-tiles.
/// </summary>
internal static unsafe class Int4GemmKernels
{
    private const int W = Int4Gemm.PanelWidth, R = Int4Gemm.StripRows;

    public static void Strip(Int4Isa isa, float* panel, float* strip, float* c, int depth)
    {
        switch (isa)
        {
            case Int4Isa.Avx512:
                Avx512(panel, strip, c, depth);
                break;
            case Int4Isa.Avx2:
                for (int r0 = 0; r0 < R; r0 += 4)
                    for (int j0 = 0; j0 < W; j0 += 16)
                        Vector256x4x16(panel + j0, strip + r0, c + r0 * W + j0, depth);
                break;
            default:
                for (int r0 = 0; r0 < R; r0 += 4)
                    for (int j0 = 0; j0 < W; j0 += 8)
                        Vector128x4x8(panel + j0, strip + r0, c + r0 * W + j0, depth);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx512(float* panel, float* strip, float* c, int depth)
    {
        var c00 = Vector512.Load(c); var c01 = Vector512.Load(c + 16);
        var c10 = Vector512.Load(c + W); var c11 = Vector512.Load(c + W + 16);
        var c20 = Vector512.Load(c + 2 * W); var c21 = Vector512.Load(c + 2 * W + 16);
        var c30 = Vector512.Load(c + 3 * W); var c31 = Vector512.Load(c + 3 * W + 16);
        var c40 = Vector512.Load(c + 4 * W); var c41 = Vector512.Load(c + 4 * W + 16);
        var c50 = Vector512.Load(c + 5 * W); var c51 = Vector512.Load(c + 5 * W + 16);
        var c60 = Vector512.Load(c + 6 * W); var c61 = Vector512.Load(c + 6 * W + 16);
        var c70 = Vector512.Load(c + 7 * W); var c71 = Vector512.Load(c + 7 * W + 16);
        for (int i = 0; i < depth; i++, panel += W, strip += R)
        {
            var w0 = Vector512.Load(panel);
            var w1 = Vector512.Load(panel + 16);
            var b = Vector512.Create(strip[0]); c00 = Avx512F.FusedMultiplyAdd(b, w0, c00); c01 = Avx512F.FusedMultiplyAdd(b, w1, c01);
            b = Vector512.Create(strip[1]); c10 = Avx512F.FusedMultiplyAdd(b, w0, c10); c11 = Avx512F.FusedMultiplyAdd(b, w1, c11);
            b = Vector512.Create(strip[2]); c20 = Avx512F.FusedMultiplyAdd(b, w0, c20); c21 = Avx512F.FusedMultiplyAdd(b, w1, c21);
            b = Vector512.Create(strip[3]); c30 = Avx512F.FusedMultiplyAdd(b, w0, c30); c31 = Avx512F.FusedMultiplyAdd(b, w1, c31);
            b = Vector512.Create(strip[4]); c40 = Avx512F.FusedMultiplyAdd(b, w0, c40); c41 = Avx512F.FusedMultiplyAdd(b, w1, c41);
            b = Vector512.Create(strip[5]); c50 = Avx512F.FusedMultiplyAdd(b, w0, c50); c51 = Avx512F.FusedMultiplyAdd(b, w1, c51);
            b = Vector512.Create(strip[6]); c60 = Avx512F.FusedMultiplyAdd(b, w0, c60); c61 = Avx512F.FusedMultiplyAdd(b, w1, c61);
            b = Vector512.Create(strip[7]); c70 = Avx512F.FusedMultiplyAdd(b, w0, c70); c71 = Avx512F.FusedMultiplyAdd(b, w1, c71);
        }
        c00.Store(c); c01.Store(c + 16);
        c10.Store(c + W); c11.Store(c + W + 16);
        c20.Store(c + 2 * W); c21.Store(c + 2 * W + 16);
        c30.Store(c + 3 * W); c31.Store(c + 3 * W + 16);
        c40.Store(c + 4 * W); c41.Store(c + 4 * W + 16);
        c50.Store(c + 5 * W); c51.Store(c + 5 * W + 16);
        c60.Store(c + 6 * W); c61.Store(c + 6 * W + 16);
        c70.Store(c + 7 * W); c71.Store(c + 7 * W + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector256x4x16(float* panel, float* strip, float* c, int depth)
    {
        var c00 = Vector256.Load(c); var c01 = Vector256.Load(c + 8);
        var c10 = Vector256.Load(c + W); var c11 = Vector256.Load(c + W + 8);
        var c20 = Vector256.Load(c + 2 * W); var c21 = Vector256.Load(c + 2 * W + 8);
        var c30 = Vector256.Load(c + 3 * W); var c31 = Vector256.Load(c + 3 * W + 8);
        for (int i = 0; i < depth; i++, panel += W, strip += R)
        {
            var w0 = Vector256.Load(panel);
            var w1 = Vector256.Load(panel + 8);
            var b = Vector256.Create(strip[0]); c00 = Vector256.FusedMultiplyAdd(b, w0, c00); c01 = Vector256.FusedMultiplyAdd(b, w1, c01);
            b = Vector256.Create(strip[1]); c10 = Vector256.FusedMultiplyAdd(b, w0, c10); c11 = Vector256.FusedMultiplyAdd(b, w1, c11);
            b = Vector256.Create(strip[2]); c20 = Vector256.FusedMultiplyAdd(b, w0, c20); c21 = Vector256.FusedMultiplyAdd(b, w1, c21);
            b = Vector256.Create(strip[3]); c30 = Vector256.FusedMultiplyAdd(b, w0, c30); c31 = Vector256.FusedMultiplyAdd(b, w1, c31);
        }
        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + W); c11.Store(c + W + 8);
        c20.Store(c + 2 * W); c21.Store(c + 2 * W + 8);
        c30.Store(c + 3 * W); c31.Store(c + 3 * W + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector128x4x8(float* panel, float* strip, float* c, int depth)
    {
        var c00 = Vector128.Load(c); var c01 = Vector128.Load(c + 4);
        var c10 = Vector128.Load(c + W); var c11 = Vector128.Load(c + W + 4);
        var c20 = Vector128.Load(c + 2 * W); var c21 = Vector128.Load(c + 2 * W + 4);
        var c30 = Vector128.Load(c + 3 * W); var c31 = Vector128.Load(c + 3 * W + 4);
        for (int i = 0; i < depth; i++, panel += W, strip += R)
        {
            var w0 = Vector128.Load(panel);
            var w1 = Vector128.Load(panel + 4);
            var b = Vector128.Create(strip[0]); c00 = Vector128.FusedMultiplyAdd(b, w0, c00); c01 = Vector128.FusedMultiplyAdd(b, w1, c01);
            b = Vector128.Create(strip[1]); c10 = Vector128.FusedMultiplyAdd(b, w0, c10); c11 = Vector128.FusedMultiplyAdd(b, w1, c11);
            b = Vector128.Create(strip[2]); c20 = Vector128.FusedMultiplyAdd(b, w0, c20); c21 = Vector128.FusedMultiplyAdd(b, w1, c21);
            b = Vector128.Create(strip[3]); c30 = Vector128.FusedMultiplyAdd(b, w0, c30); c31 = Vector128.FusedMultiplyAdd(b, w1, c31);
        }
        c00.Store(c); c01.Store(c + 4);
        c10.Store(c + W); c11.Store(c + W + 4);
        c20.Store(c + 2 * W); c21.Store(c + 2 * W + 4);
        c30.Store(c + 3 * W); c31.Store(c + 3 * W + 4);
    }
}
