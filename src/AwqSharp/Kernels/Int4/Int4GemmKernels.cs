using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// GEMM micro-kernels: <c>c[j · 16 + r] += Σ_i panel[j · PanelStride + i] · strip[i · 16 + r]</c> for one 16-row
/// strip and the 32 rows of a weight panel, each output a sequential FMA chain over i (so every path
/// computes the same bits). AVX-512: 16 columns × 16 rows in 16 registers, one activation vector and 16
/// broadcast FMAs per input; AVX2 4 × 16 and Vector128 2 × 16 sub-tiles.
/// </summary>
internal static unsafe class Int4GemmKernels
{
    private const int D = Int4Gemm.PanelStride, R = Int4Gemm.StripRows;

    public static void Strip(Int4Isa isa, float* panel, float* strip, float* c, int depth)
    {
        switch (isa)
        {
            case Int4Isa.Avx512:
                for (int j0 = 0; j0 < Int4Gemm.PanelWidth; j0 += 16) Avx512x16(panel + j0 * D, strip, c + j0 * R, depth);
                break;
            case Int4Isa.Avx2:
                for (int j0 = 0; j0 < Int4Gemm.PanelWidth; j0 += 4) Vector256x4(panel + j0 * D, strip, c + j0 * R, depth);
                break;
            default:
                for (int j0 = 0; j0 < Int4Gemm.PanelWidth; j0 += 2) Vector128x2(panel + j0 * D, strip, c + j0 * R, depth);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Avx512x16(float* w, float* x, float* c, int depth)
    {
        var c0 = Vector512.Load(c); var c1 = Vector512.Load(c + R); var c2 = Vector512.Load(c + 2 * R); var c3 = Vector512.Load(c + 3 * R);
        var c4 = Vector512.Load(c + 4 * R); var c5 = Vector512.Load(c + 5 * R); var c6 = Vector512.Load(c + 6 * R); var c7 = Vector512.Load(c + 7 * R);
        var c8 = Vector512.Load(c + 8 * R); var c9 = Vector512.Load(c + 9 * R); var c10 = Vector512.Load(c + 10 * R); var c11 = Vector512.Load(c + 11 * R);
        var c12 = Vector512.Load(c + 12 * R); var c13 = Vector512.Load(c + 13 * R); var c14 = Vector512.Load(c + 14 * R); var c15 = Vector512.Load(c + 15 * R);
        for (int i = 0; i < depth; i++, w++, x += R)
        {
            Sse.Prefetch0(x + 8 * R); // the strip streams from L2: ask 8 lines ahead
            var v = Vector512.Load(x);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[0]), v, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[D]), v, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[2 * D]), v, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[3 * D]), v, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[4 * D]), v, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[5 * D]), v, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[6 * D]), v, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[7 * D]), v, c7);
            c8 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[8 * D]), v, c8);
            c9 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[9 * D]), v, c9);
            c10 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[10 * D]), v, c10);
            c11 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[11 * D]), v, c11);
            c12 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[12 * D]), v, c12);
            c13 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[13 * D]), v, c13);
            c14 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[14 * D]), v, c14);
            c15 = Avx512F.FusedMultiplyAdd(Vector512.Create(w[15 * D]), v, c15);
        }
        c0.Store(c); c1.Store(c + R); c2.Store(c + 2 * R); c3.Store(c + 3 * R);
        c4.Store(c + 4 * R); c5.Store(c + 5 * R); c6.Store(c + 6 * R); c7.Store(c + 7 * R);
        c8.Store(c + 8 * R); c9.Store(c + 9 * R); c10.Store(c + 10 * R); c11.Store(c + 11 * R);
        c12.Store(c + 12 * R); c13.Store(c + 13 * R); c14.Store(c + 14 * R); c15.Store(c + 15 * R);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector256x4(float* w, float* x, float* c, int depth)
    {
        var c0l = Vector256.Load(c); var c0h = Vector256.Load(c + 8);
        var c1l = Vector256.Load(c + R); var c1h = Vector256.Load(c + R + 8);
        var c2l = Vector256.Load(c + 2 * R); var c2h = Vector256.Load(c + 2 * R + 8);
        var c3l = Vector256.Load(c + 3 * R); var c3h = Vector256.Load(c + 3 * R + 8);
        for (int i = 0; i < depth; i++, w++, x += R)
        {
            var vl = Vector256.Load(x);
            var vh = Vector256.Load(x + 8);
            var b = Vector256.Create(w[0]); c0l = Vector256.FusedMultiplyAdd(b, vl, c0l); c0h = Vector256.FusedMultiplyAdd(b, vh, c0h);
            b = Vector256.Create(w[D]); c1l = Vector256.FusedMultiplyAdd(b, vl, c1l); c1h = Vector256.FusedMultiplyAdd(b, vh, c1h);
            b = Vector256.Create(w[2 * D]); c2l = Vector256.FusedMultiplyAdd(b, vl, c2l); c2h = Vector256.FusedMultiplyAdd(b, vh, c2h);
            b = Vector256.Create(w[3 * D]); c3l = Vector256.FusedMultiplyAdd(b, vl, c3l); c3h = Vector256.FusedMultiplyAdd(b, vh, c3h);
        }
        c0l.Store(c); c0h.Store(c + 8);
        c1l.Store(c + R); c1h.Store(c + R + 8);
        c2l.Store(c + 2 * R); c2h.Store(c + 2 * R + 8);
        c3l.Store(c + 3 * R); c3h.Store(c + 3 * R + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector128x2(float* w, float* x, float* c, int depth)
    {
        var a0 = Vector128.Load(c); var a1 = Vector128.Load(c + 4); var a2 = Vector128.Load(c + 8); var a3 = Vector128.Load(c + 12);
        var b0 = Vector128.Load(c + R); var b1 = Vector128.Load(c + R + 4); var b2 = Vector128.Load(c + R + 8); var b3 = Vector128.Load(c + R + 12);
        for (int i = 0; i < depth; i++, w++, x += R)
        {
            var v0 = Vector128.Load(x); var v1 = Vector128.Load(x + 4); var v2 = Vector128.Load(x + 8); var v3 = Vector128.Load(x + 12);
            var s = Vector128.Create(w[0]);
            a0 = Vector128.FusedMultiplyAdd(s, v0, a0); a1 = Vector128.FusedMultiplyAdd(s, v1, a1);
            a2 = Vector128.FusedMultiplyAdd(s, v2, a2); a3 = Vector128.FusedMultiplyAdd(s, v3, a3);
            s = Vector128.Create(w[D]);
            b0 = Vector128.FusedMultiplyAdd(s, v0, b0); b1 = Vector128.FusedMultiplyAdd(s, v1, b1);
            b2 = Vector128.FusedMultiplyAdd(s, v2, b2); b3 = Vector128.FusedMultiplyAdd(s, v3, b3);
        }
        a0.Store(c); a1.Store(c + 4); a2.Store(c + 8); a3.Store(c + 12);
        b0.Store(c + R); b1.Store(c + R + 4); b2.Store(c + R + 8); b3.Store(c + R + 12);
    }
}
