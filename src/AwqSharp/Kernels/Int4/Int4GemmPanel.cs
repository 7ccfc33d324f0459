using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Dequantizes a 32-row × up-to-128-deep slice of W into the float panel the GEMM micro-kernels
/// broadcast from, <c>panel[j · PanelStride + i] = W[o0 + j, kb + i]</c>. In the packed layout plane p's 16
/// words are inputs 16p..16p+15 in order, so each row comes out contiguous with plain vector stores.
/// Values are exactly <see cref="PackedInt4Matrix.Dequantize"/>'s; rows past OutFeatures are zero.
/// The block's metadata comes pre-expanded by <see cref="ExpandMetadata"/>.
/// </summary>
internal static unsafe class Int4GemmPanel
{
    /// <summary>Floats of metadata scratch one block needs (scales, then as many zero points).</summary>
    public static int MetadataLength(PackedInt4Matrix w) => 2 * Int4Gemm.PanelWidth / PackedInt4Matrix.RowsPerTile * Int4Metadata.TileLength(w);

    /// <summary>Expands the scales and zero points of the 8 tiles of the block starting at row <paramref name="o0"/> into <paramref name="meta"/>.</summary>
    public static void ExpandMetadata(PackedInt4Matrix w, int o0, float* meta)
    {
        int tileLength = Int4Metadata.TileLength(w), tiles = Int4Gemm.PanelWidth / PackedInt4Matrix.RowsPerTile;
        int first = o0 / PackedInt4Matrix.RowsPerTile;
        Int4Metadata.ConvertTiles(w, first, Math.Min(tiles, w.TileCount - first), meta, meta + tiles * tileLength);
    }

    public static void Fill(PackedInt4Matrix w, Int4Isa isa, int o0, int kb, int depth, float* meta, float* panel)
    {
        int span = (depth + PackedInt4Matrix.PlaneWeights - 1) / PackedInt4Matrix.PlaneWeights * PackedInt4Matrix.PlaneWeights;
        var path = w.PlaneAligned ? isa : Int4Isa.Scalar;
        for (int j = 0; j < Int4Gemm.PanelWidth; j++)
        {
            float* dst = panel + j * Int4Gemm.PanelStride;
            int o = o0 + j;
            if (o >= w.OutFeatures) new Span<float>(dst, span).Clear();
            else if (path == Int4Isa.Scalar) RowScalar(w, o, kb, depth, dst);
            else
            {
                int tile = o / PackedInt4Matrix.RowsPerTile, row = o % PackedInt4Matrix.RowsPerTile;
                byte* words = w.Codes + w.ChunkOffset(tile, kb / PackedInt4Matrix.ChunkWeights) + row * PackedInt4Matrix.ChunkBytes;
                var rowGroups = new RowGroups(w, j, meta);
                int firstPlane = kb / PackedInt4Matrix.PlaneWeights;
                if (path == Int4Isa.Avx512) RowAvx512(words, rowGroups, firstPlane, span, dst);
                else if (path == Int4Isa.Avx2) RowVector256(words, rowGroups, firstPlane, span, dst);
                else RowVector128(words, rowGroups, firstPlane, span, dst);
            }
        }
    }

    /// <summary>Scale and zero point of the groups of row <c>j</c> of the block, from the expanded metadata.</summary>
    private readonly struct RowGroups(PackedInt4Matrix w, int j, float* meta)
    {
        private readonly float* _scales = meta + (j / PackedInt4Matrix.RowsPerTile * w.GroupCount * PackedInt4Matrix.RowsPerTile + j % PackedInt4Matrix.RowsPerTile);
        private readonly int _zeroOffset = Int4Gemm.PanelWidth * w.GroupCount; // zero points follow the 8 tiles' scales
        public readonly int PlanesPerGroup = w.PlanesPerGroup;
        public float Scale(int group) => _scales[group * PackedInt4Matrix.RowsPerTile];
        public float Zero(int group) => _scales[_zeroOffset + group * PackedInt4Matrix.RowsPerTile];
    }

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

    /// <summary>Table lookup as in the GEMV kernel: <c>vpermps</c> of <c>(j - z) · s</c> by each word's low nibble.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowAvx512(byte* words, RowGroups groups, int firstPlane, int span, float* dst)
    {
        var iota = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var table = Vector512<float>.Zero;
        int ppg = groups.PlanesPerGroup, groupEnd = -1;
        var q = Vector512<int>.Zero;
        for (int i = 0, p = firstPlane; i < span; i += PackedInt4Matrix.PlaneWeights, p++)
        {
            if ((i & (PackedInt4Matrix.ChunkWeights - 1)) == 0)
            {
                q = Vector512.Load((int*)words);
                words += PackedInt4Matrix.TileChunkBytes;
            }
            if (p >= groupEnd)
            {
                int group = p / ppg;
                groupEnd = (group + 1) * ppg;
                table = (iota - Vector512.Create(groups.Zero(group))) * Vector512.Create(groups.Scale(group));
            }
            Avx512F.PermuteVar16x32(table, q).Store(dst + i);
            q = Avx512F.ShiftRightLogical(q, 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowVector256(byte* words, RowGroups groups, int firstPlane, int span, float* dst)
    {
        var mask = Vector256.Create(15);
        Vector256<float> s = default, z = default;
        Vector256<int> lo = default, hi = default;
        int ppg = groups.PlanesPerGroup, groupEnd = -1;
        for (int i = 0, p = firstPlane; i < span; i += PackedInt4Matrix.PlaneWeights, p++)
        {
            if ((i & (PackedInt4Matrix.ChunkWeights - 1)) == 0)
            {
                lo = Vector256.Load((int*)words);
                hi = Vector256.Load((int*)(words + 32));
                words += PackedInt4Matrix.TileChunkBytes;
            }
            if (p >= groupEnd)
            {
                int group = p / ppg;
                groupEnd = (group + 1) * ppg;
                s = Vector256.Create(groups.Scale(group));
                z = Vector256.Create(groups.Zero(group));
            }
            ((Vector256.ConvertToSingle(lo & mask) - z) * s).Store(dst + i);
            ((Vector256.ConvertToSingle(hi & mask) - z) * s).Store(dst + i + 8);
            lo = Vector256.ShiftRightLogical(lo, 4);
            hi = Vector256.ShiftRightLogical(hi, 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowVector128(byte* words, RowGroups groups, int firstPlane, int span, float* dst)
    {
        var mask = Vector128.Create(15);
        Vector128<float> s = default, z = default;
        Vector128<int> q0 = default, q1 = default, q2 = default, q3 = default;
        int ppg = groups.PlanesPerGroup, groupEnd = -1;
        for (int i = 0, p = firstPlane; i < span; i += PackedInt4Matrix.PlaneWeights, p++)
        {
            if ((i & (PackedInt4Matrix.ChunkWeights - 1)) == 0)
            {
                q0 = Vector128.Load((int*)words);
                q1 = Vector128.Load((int*)(words + 16));
                q2 = Vector128.Load((int*)(words + 32));
                q3 = Vector128.Load((int*)(words + 48));
                words += PackedInt4Matrix.TileChunkBytes;
            }
            if (p >= groupEnd)
            {
                int group = p / ppg;
                groupEnd = (group + 1) * ppg;
                s = Vector128.Create(groups.Scale(group));
                z = Vector128.Create(groups.Zero(group));
            }
            ((Vector128.ConvertToSingle(q0 & mask) - z) * s).Store(dst + i);
            ((Vector128.ConvertToSingle(q1 & mask) - z) * s).Store(dst + i + 4);
            ((Vector128.ConvertToSingle(q2 & mask) - z) * s).Store(dst + i + 8);
            ((Vector128.ConvertToSingle(q3 & mask) - z) * s).Store(dst + i + 12);
            q0 = Vector128.ShiftRightLogical(q0, 4);
            q1 = Vector128.ShiftRightLogical(q1, 4);
            q2 = Vector128.ShiftRightLogical(q2, 4);
            q3 = Vector128.ShiftRightLogical(q3, 4);
        }
    }
}
