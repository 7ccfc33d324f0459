namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// Reorders the rows of a query or key projection between the two RoPE conventions. Meta's and llama2.c's code rotate
/// adjacent pairs (2i, 2i+1) of each head; HuggingFace's Llama rotates element i with element i + headSize/2. Row
/// 2i + j of a head becomes row j * headSize/2 + i, which is what <c>permute</c> in transformers'
/// <c>convert_llama_weights_to_hf.py</c> does (view(heads, headSize/2, 2, cols).transpose(1, 2)). With the rows moved this
/// way, both conventions give the same attention scores.
/// </summary>
public static class RopeRowPermutation
{
    /// <summary>Rows in interleaved-pair order (llama2.c, Meta) to half-split order (HuggingFace).</summary>
    /// <param name="source">[rows, cols] row-major, rows = heads x headSize.</param>
    /// <param name="destination">Same size as <paramref name="source"/>; must not overlap it.</param>
    /// <param name="heads">Number of heads the rows are split into (n_kv_heads for the key projection).</param>
    /// <param name="cols">Row length (the input width).</param>
    public static void InterleavedToHalfSplit(ReadOnlySpan<float> source, Span<float> destination, int heads, int cols) =>
        Permute(source, destination, heads, cols, toHalfSplit: true);

    /// <summary>The inverse of <see cref="InterleavedToHalfSplit(ReadOnlySpan{float}, Span{float}, int, int)"/>.</summary>
    public static void HalfSplitToInterleaved(ReadOnlySpan<float> source, Span<float> destination, int heads, int cols) =>
        Permute(source, destination, heads, cols, toHalfSplit: false);

    /// <summary>Allocating form of <see cref="InterleavedToHalfSplit(ReadOnlySpan{float}, Span{float}, int, int)"/>.</summary>
    public static float[] InterleavedToHalfSplit(ReadOnlySpan<float> source, int heads, int cols)
    {
        var result = new float[source.Length];
        InterleavedToHalfSplit(source, result, heads, cols);
        return result;
    }

    private static void Permute(ReadOnlySpan<float> source, Span<float> destination, int heads, int cols, bool toHalfSplit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (destination.Length != source.Length)
            throw new ArgumentException($"destination has {destination.Length} elements, source {source.Length}", nameof(destination));
        if (source.Overlaps(destination)) throw new ArgumentException("source and destination overlap", nameof(destination));
        if (source.Length % cols != 0) throw new ArgumentException($"{source.Length} elements are not whole rows of {cols}", nameof(source));
        int rows = source.Length / cols;
        if (rows % heads != 0) throw new ArgumentException($"{rows} rows do not split into {heads} heads", nameof(heads));
        int headSize = rows / heads;
        if (headSize % 2 != 0) throw new ArgumentException($"head size {headSize} is odd; RoPE rotates pairs", nameof(heads));
        int half = headSize / 2;
        for (int h = 0; h < heads; h++)
        {
            int head = h * headSize;
            for (int i = 0; i < half; i++)
            {
                for (int j = 0; j < 2; j++)
                {
                    int interleaved = head + 2 * i + j, split = head + j * half + i;
                    int from = toHalfSplit ? interleaved : split, to = toHalfSplit ? split : interleaved;
                    source.Slice(from * cols, cols).CopyTo(destination.Slice(to * cols, cols));
                }
            }
        }
    }
}
