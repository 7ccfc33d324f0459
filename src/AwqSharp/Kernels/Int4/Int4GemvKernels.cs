using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Int4;

/// <summary>Picks the GEMV tile kernel: one tile (4 output rows) times one activation row.</summary>
internal static unsafe class Int4GemvKernels
{
    /// <summary>The path that really runs: the SIMD kernels need plane-aligned groups, else the scalar one does the job.</summary>
    public static Int4Isa Effective(Int4Isa isa, PackedInt4Matrix w) => w.PlaneAligned ? isa : Int4Isa.Scalar;

    /// <summary>Lanes of the per-group activation sums the kernel needs (0: none).</summary>
    public static int SumLanes(Int4Isa isa, PackedInt4Matrix w) => Effective(isa, w) switch
    {
        Int4Isa.Avx2 => Int4GemvAvx2.Count,
        Int4Isa.Vector128 => Int4GemvVector128.Count,
        _ => 0,
    };

    /// <summary>
    /// out4[r] = Σ_i W[4·tile + r, i] · x[i] for r = 0..3, with the tile's metadata already expanded to
    /// <paramref name="scales"/> / <paramref name="zeros"/> and <paramref name="sums"/> from <see cref="Int4GemvActivations"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(Int4Isa isa, PackedInt4Matrix w, int tile, float* x, float* sums, float* scales, float* zeros, float* out4)
    {
        byte* codes = w.Codes + w.ChunkOffset(tile, 0);
        switch (Effective(isa, w))
        {
            case Int4Isa.Avx512:
                Int4GemvAvx512.Tile(codes, scales, zeros, x, w.PlaneCount, w.PlanesPerGroup, out4);
                break;
            case Int4Isa.Avx2:
                Int4GemvLanes.Tile<Int4GemvAvx2, Vector256<float>>(codes, scales, zeros, x, sums, w.PlaneCount, w.PlanesPerGroup, out4);
                break;
            case Int4Isa.Vector128:
                Int4GemvLanes.Tile<Int4GemvVector128, Vector128<float>>(codes, scales, zeros, x, sums, w.PlaneCount, w.PlanesPerGroup, out4);
                break;
            default:
                Int4GemvScalar.Tile(codes, scales, zeros, x, w.InFeatures, w.GroupSize, out4);
                break;
        }
    }

    /// <summary>Activation rows one kernel call covers at most (the AVX-512 path shares the table lookups between them).</summary>
    public const int MaxRowsPerCall = 4;

    /// <summary>
    /// out16[i · 4 + r] = Σ_k W[4·tile + r, k] · x_(first + i)[k] for i &lt; <paramref name="count"/> (at most 4):
    /// bitwise what <see cref="Tile"/> gives row by row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TileRows(Int4Isa isa, PackedInt4Matrix w, int tile, Int4GemvActivations act, int first, int count, float* scales, float* zeros, float* out16)
    {
        if (count >= 2 && Effective(isa, w) == Int4Isa.Avx512)
        {
            float** rows = stackalloc float*[MaxRowsPerCall];
            for (int i = 0; i < MaxRowsPerCall; i++) rows[i] = act.Row(first + Math.Min(i, count - 1)); // spare lanes repeat the last row
            Int4GemvAvx512.Tile4Rows(w.Codes + w.ChunkOffset(tile, 0), scales, zeros, rows, w.PlaneCount, w.PlanesPerGroup, out16);
            return;
        }
        for (int i = 0; i < count; i++)
            Tile(isa, w, tile, act.Row(first + i), act.RowSums(w, first + i), scales, zeros, out16 + i * PackedInt4Matrix.RowsPerTile);
    }
}
