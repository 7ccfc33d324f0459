using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>16×16 float transposes in AVX-512 registers (unpack pairs, shuffle quads, then two rounds of 128-bit lane shuffles).</summary>
internal static unsafe class Int4Transpose
{
    /// <summary>dst[j · 16 + r] = src[r · stride + j] for r, j in 0..15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose16x16(float* src, long stride, float* dst)
    {
        // Rows 4a..4a+3 -> in each 128-bit lane L, u[a][c] = column 4L + c of those 4 rows.
        Quad(src, stride, out var u00, out var u01, out var u02, out var u03);
        Quad(src + 4 * stride, stride, out var u10, out var u11, out var u12, out var u13);
        Quad(src + 8 * stride, stride, out var u20, out var u21, out var u22, out var u23);
        Quad(src + 12 * stride, stride, out var u30, out var u31, out var u32, out var u33);
        Gather(u00, u10, u20, u30, dst);
        Gather(u01, u11, u21, u31, dst + 16);
        Gather(u02, u12, u22, u32, dst + 32);
        Gather(u03, u13, u23, u33, dst + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(float* src, long stride, out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        var r0 = Vector512.Load(src);
        var r1 = Vector512.Load(src + stride);
        var r2 = Vector512.Load(src + 2 * stride);
        var r3 = Vector512.Load(src + 3 * stride);
        var t0 = Avx512F.UnpackLow(r0, r1);   // r0[0] r1[0] r0[1] r1[1] per lane
        var t1 = Avx512F.UnpackHigh(r0, r1);  // r0[2] r1[2] r0[3] r1[3]
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        c0 = Avx512F.Shuffle(t0, t2, 0x44);   // column 4L+0 of rows 0..3
        c1 = Avx512F.Shuffle(t0, t2, 0xEE);   // column 4L+1
        c2 = Avx512F.Shuffle(t1, t3, 0x44);   // column 4L+2
        c3 = Avx512F.Shuffle(t1, t3, 0xEE);   // column 4L+3
    }

    /// <summary>From the four row groups' vectors for column offset c: output columns c, 4 + c, 8 + c, 12 + c (stored 64 floats apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Gather(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3, float* dst)
    {
        var v01 = Avx512F.Shuffle4x128(g0, g1, 0x88); // g0.L0 g0.L2 g1.L0 g1.L2
        var w01 = Avx512F.Shuffle4x128(g0, g1, 0xDD); // g0.L1 g0.L3 g1.L1 g1.L3
        var v23 = Avx512F.Shuffle4x128(g2, g3, 0x88);
        var w23 = Avx512F.Shuffle4x128(g2, g3, 0xDD);
        Avx512F.Shuffle4x128(v01, v23, 0x88).Store(dst);        // lanes L0: column c
        Avx512F.Shuffle4x128(w01, w23, 0x88).Store(dst + 64);   // lanes L1: column 4 + c
        Avx512F.Shuffle4x128(v01, v23, 0xDD).Store(dst + 128);  // lanes L2: column 8 + c
        Avx512F.Shuffle4x128(w01, w23, 0xDD).Store(dst + 192);  // lanes L3: column 12 + c
    }
}
