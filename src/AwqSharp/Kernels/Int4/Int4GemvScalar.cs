namespace AwqSharp.Kernels.Int4;

/// <summary>The scalar GEMV tile kernel: any group size; sums <c>((q - z) · s) · x</c> in input order.</summary>
internal static unsafe class Int4GemvScalar
{
    public static void Tile(byte* codes, float* scales, float* zeros, float* x, int inFeatures, int groupSize, float* out4)
    {
        for (int r = 0; r < PackedInt4Matrix.RowsPerTile; r++)
        {
            float acc = 0;
            for (int g = 0, start = 0; start < inFeatures; g++, start += groupSize)
            {
                float s = scales[g * PackedInt4Matrix.RowsPerTile + r];
                float z = zeros[g * PackedInt4Matrix.RowsPerTile + r];
                int end = Math.Min(inFeatures, start + groupSize);
                for (int i = start; i < end; i++)
                {
                    uint* words = (uint*)(codes + (long)(i / PackedInt4Matrix.ChunkWeights) * PackedInt4Matrix.TileChunkBytes + r * PackedInt4Matrix.ChunkBytes);
                    int within = i % PackedInt4Matrix.ChunkWeights;
                    int q = (int)(words[within % PackedInt4Matrix.PlaneWeights] >> (4 * (within / PackedInt4Matrix.PlaneWeights))) & 15;
                    acc += (q - z) * s * x[i];
                }
            }
            out4[r] = acc;
        }
    }
}
