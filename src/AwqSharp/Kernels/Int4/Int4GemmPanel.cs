using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Dequantizes a 32-column × up-to-256-deep slice of W into the float panel the GEMM micro-kernels
/// read, <c>panel[i · 32 + j] = W[o0 + j, kb + i]</c>: each row first into <c>rows[j · 256 + i]</c>
/// (contiguous, vectorized: in the packed layout plane p's 16 words are inputs 16p..16p+15 in order),
/// then transposed (16×16 register transposes on AVX-512). Values are exactly
/// <see cref="PackedInt4Matrix.Dequantize"/>'s; columns past OutFeatures are zero.
/// </summary>
internal static unsafe class Int4GemmPanel
{
    public static void Fill(PackedInt4Matrix w, Int4Isa isa, int o0, int kb, int depth, float* rows, float* panel)
    {
        int span = (depth + PackedInt4Matrix.PlaneWeights - 1) / PackedInt4Matrix.PlaneWeights * PackedInt4Matrix.PlaneWeights;
        var path = w.PlaneAligned ? isa : Int4Isa.Scalar;
        for (int j = 0; j < Int4Gemm.PanelWidth; j++)
        {
            float* dst = rows + j * Int4Gemm.PanelDepth;
            int o = o0 + j;
            if (o >= w.OutFeatures) new Span<float>(dst, span).Clear();
            else if (path == Int4Isa.Avx512) RowAvx512(w, o, kb, span, dst);
            else if (path == Int4Isa.Avx2) RowVector256(w, o, kb, span, dst);
            else if (path == Int4Isa.Vector128) RowVector128(w, o, kb, span, dst);
            else RowScalar(w, o, kb, depth, dst);
        }
        if (isa == Int4Isa.Avx512) TransposeAvx512(rows, panel, span);
        else TransposeScalar(rows, panel, depth);
    }

    private static uint* Words(PackedInt4Matrix w, int o, int plane) =>
        (uint*)(w.Codes + w.ChunkOffset(o / PackedInt4Matrix.RowsPerTile, plane / PackedInt4Matrix.PlanesPerChunk)
                + o % PackedInt4Matrix.RowsPerTile * PackedInt4Matrix.ChunkBytes);

    private static void RowScalar(PackedInt4Matrix w, int o, int kb, int depth, float* dst)
    {
        int group = -1, z = 0;
        float s = 0;
        for (int i = 0; i < depth; i++)
        {
            int k = kb + i;
            if (k / w.GroupSize != group) { group = k / w.GroupSize; s = w.ScaleAt(o, group); z = w.ZeroAt(o, group); }
            dst[i] = (w.CodeAt(o, k) - z) * s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowAvx512(PackedInt4Matrix w, int o, int kb, int span, float* dst)
    {
        var iota = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var table = Vector512<float>.Zero;
        int group = -1, ppg = w.PlanesPerGroup, firstPlane = kb / PackedInt4Matrix.PlaneWeights;
        for (int i = 0; i < span; i += PackedInt4Matrix.PlaneWeights)
        {
            int p = firstPlane + i / PackedInt4Matrix.PlaneWeights;
            if (p / ppg != group)
            {
                group = p / ppg;
                table = (iota - Vector512.Create((float)w.ZeroAt(o, group))) * Vector512.Create(w.ScaleAt(o, group));
            }
            var q = Vector512.ShiftRightLogical(Vector512.Load(Words(w, o, p)), 4 * (p % PackedInt4Matrix.PlanesPerChunk));
            Avx512F.PermuteVar16x32(table, q.AsInt32()).Store(dst + i);
        }
    }

    private static void RowVector256(PackedInt4Matrix w, int o, int kb, int span, float* dst)
    {
        var mask = Vector256.Create(15u);
        Vector256<float> s = default, z = default;
        int group = -1, ppg = w.PlanesPerGroup, firstPlane = kb / PackedInt4Matrix.PlaneWeights;
        for (int i = 0; i < span; i += PackedInt4Matrix.PlaneWeights)
        {
            int p = firstPlane + i / PackedInt4Matrix.PlaneWeights;
            if (p / ppg != group)
            {
                group = p / ppg;
                s = Vector256.Create(w.ScaleAt(o, group));
                z = Vector256.Create((float)w.ZeroAt(o, group));
            }
            uint* words = Words(w, o, p);
            int shift = 4 * (p % PackedInt4Matrix.PlanesPerChunk);
            for (int h = 0; h < 16; h += 8)
            {
                var q = Vector256.ConvertToSingle((Vector256.ShiftRightLogical(Vector256.Load(words + h), shift) & mask).AsInt32());
                ((q - z) * s).Store(dst + i + h);
            }
        }
    }

    private static void RowVector128(PackedInt4Matrix w, int o, int kb, int span, float* dst)
    {
        var mask = Vector128.Create(15u);
        Vector128<float> s = default, z = default;
        int group = -1, ppg = w.PlanesPerGroup, firstPlane = kb / PackedInt4Matrix.PlaneWeights;
        for (int i = 0; i < span; i += PackedInt4Matrix.PlaneWeights)
        {
            int p = firstPlane + i / PackedInt4Matrix.PlaneWeights;
            if (p / ppg != group)
            {
                group = p / ppg;
                s = Vector128.Create(w.ScaleAt(o, group));
                z = Vector128.Create((float)w.ZeroAt(o, group));
            }
            uint* words = Words(w, o, p);
            int shift = 4 * (p % PackedInt4Matrix.PlanesPerChunk);
            for (int h = 0; h < 16; h += 4)
            {
                var q = Vector128.ConvertToSingle((Vector128.ShiftRightLogical(Vector128.Load(words + h), shift) & mask).AsInt32());
                ((q - z) * s).Store(dst + i + h);
            }
        }
    }

    private static void TransposeScalar(float* rows, float* panel, int depth)
    {
        for (int i = 0; i < depth; i++)
            for (int j = 0; j < Int4Gemm.PanelWidth; j++)
                panel[i * Int4Gemm.PanelWidth + j] = rows[j * Int4Gemm.PanelDepth + i];
    }

    /// <summary>16×16 transposes: unpack (pairs), shuffle (quads), then two 128-bit-lane shuffles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeAvx512(float* rows, float* panel, int span)
    {
        var r = stackalloc Vector512<float>[16];
        for (int half = 0; half < Int4Gemm.PanelWidth; half += 16)
        {
            for (int i0 = 0; i0 < span; i0 += 16)
            {
                for (int a = 0; a < 16; a++) r[a] = Vector512.Load(rows + (half + a) * Int4Gemm.PanelDepth + i0);
                Transpose16(r);
                for (int a = 0; a < 16; a++) r[a].Store(panel + (i0 + a) * Int4Gemm.PanelWidth + half);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose16(Vector512<float>* r)
    {
        // Stage 1+2: inside each 128-bit lane, 4x4 transposes of rows 4a..4a+3.
        var u = stackalloc Vector512<float>[16];
        for (int a = 0; a < 16; a += 4)
        {
            var t0 = Avx512F.UnpackLow(r[a], r[a + 1]);
            var t1 = Avx512F.UnpackHigh(r[a], r[a + 1]);
            var t2 = Avx512F.UnpackLow(r[a + 2], r[a + 3]);
            var t3 = Avx512F.UnpackHigh(r[a + 2], r[a + 3]);
            u[a] = Avx512F.Shuffle(t0, t2, 0x44);     // column 4L+0 of rows 4a..4a+3, lane L
            u[a + 1] = Avx512F.Shuffle(t0, t2, 0xEE); // column 4L+1
            u[a + 2] = Avx512F.Shuffle(t1, t3, 0x44); // column 4L+2
            u[a + 3] = Avx512F.Shuffle(t1, t3, 0xEE); // column 4L+3
        }
        // Stage 3+4: gather lane L of the four row groups: output column 4L + c.
        for (int c = 0; c < 4; c++)
        {
            var v01 = Avx512F.Shuffle4x128(u[c], u[4 + c], 0x88);   // (g0.L0, g0.L2, g1.L0, g1.L2)
            var w01 = Avx512F.Shuffle4x128(u[c], u[4 + c], 0xDD);   // (g0.L1, g0.L3, g1.L1, g1.L3)
            var v23 = Avx512F.Shuffle4x128(u[8 + c], u[12 + c], 0x88);
            var w23 = Avx512F.Shuffle4x128(u[8 + c], u[12 + c], 0xDD);
            r[c] = Avx512F.Shuffle4x128(v01, v23, 0x88);      // lanes L0 of g0..g3
            r[8 + c] = Avx512F.Shuffle4x128(v01, v23, 0xDD);  // lanes L2
            r[4 + c] = Avx512F.Shuffle4x128(w01, w23, 0x88);  // lanes L1
            r[12 + c] = Avx512F.Shuffle4x128(w01, w23, 0xDD); // lanes L3
        }
    }
}
