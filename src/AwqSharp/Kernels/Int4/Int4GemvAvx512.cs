using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// AVX-512 GEMV tile kernel. Per group and row it builds the 16-entry table <c>T[j] = (j - z) · s</c>
/// (exactly the dequantized values), then per 16-input plane: <c>vpermps</c> looks the codes up by the
/// low nibble of each 32-bit word (it ignores the upper bits, so no masking), an FMA accumulates
/// <c>T[q] · x</c>, and a 4-bit right shift brings up the next plane. Three vector ops per 16 weights.
/// </summary>
internal static unsafe class Int4GemvAvx512
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(byte* codes, float* scales, float* zeros, float* x, int planes, int planesPerGroup, float* out4)
    {
        var iota = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
        float* s = scales - PackedInt4Matrix.RowsPerTile, z = zeros - PackedInt4Matrix.RowsPerTile;
        int nextGroup = 0;
        for (int p0 = 0; p0 < planes; p0 += PackedInt4Matrix.PlanesPerChunk, codes += PackedInt4Matrix.TileChunkBytes)
        {
            var q0 = Vector512.Load((uint*)codes).AsInt32();
            var q1 = Vector512.Load((uint*)(codes + 64)).AsInt32();
            var q2 = Vector512.Load((uint*)(codes + 128)).AsInt32();
            var q3 = Vector512.Load((uint*)(codes + 192)).AsInt32();
            int pEnd = Math.Min(planes, p0 + PackedInt4Matrix.PlanesPerChunk);
            for (int p = p0; p < pEnd; p++)
            {
                if (p == nextGroup)
                {
                    s += PackedInt4Matrix.RowsPerTile; z += PackedInt4Matrix.RowsPerTile;
                    nextGroup += planesPerGroup;
                    t0 = (iota - Vector512.Create(z[0])) * Vector512.Create(s[0]);
                    t1 = (iota - Vector512.Create(z[1])) * Vector512.Create(s[1]);
                    t2 = (iota - Vector512.Create(z[2])) * Vector512.Create(s[2]);
                    t3 = (iota - Vector512.Create(z[3])) * Vector512.Create(s[3]);
                }
                var xv = Vector512.Load(x + p * PackedInt4Matrix.PlaneWeights);
                a0 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t0, q0), xv, a0);
                a1 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t1, q1), xv, a1);
                a2 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t2, q2), xv, a2);
                a3 = Avx512F.FusedMultiplyAdd(Avx512F.PermuteVar16x32(t3, q3), xv, a3);
                q0 = Avx512F.ShiftRightLogical(q0, 4);
                q1 = Avx512F.ShiftRightLogical(q1, 4);
                q2 = Avx512F.ShiftRightLogical(q2, 4);
                q3 = Avx512F.ShiftRightLogical(q3, 4);
            }
        }
        out4[0] = Vector512.Sum(a0);
        out4[1] = Vector512.Sum(a1);
        out4[2] = Vector512.Sum(a2);
        out4[3] = Vector512.Sum(a3);
    }
}
