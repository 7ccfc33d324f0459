namespace AwqSharp.Kernels;

/// <summary>Causal grouped-query self-attention over a key/value cache.</summary>
public static class Attention
{
    /// <summary>
    /// q [tq, nHeads*headDim] for positions startPos..startPos+tq-1; caches [positions, nKvHeads*headDim]
    /// with rows 0..startPos+tq-1 valid; output [tq, nHeads*headDim].
    /// </summary>
    public static void CausalSelfAttention(ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache, Span<float> output,
        int tq, int startPos, int nHeads, int nKvHeads, int headDim)
    {
        int qDim = nHeads * headDim, kvDim = nKvHeads * headDim, group = nHeads / nKvHeads;
        float scale = 1f / MathF.Sqrt(headDim);
        var scores = new float[startPos + tq];
        for (int t = 0; t < tq; t++)
        {
            int len = startPos + t + 1;
            for (int h = 0; h < nHeads; h++)
            {
                var qh = q.Slice(t * qDim + h * headDim, headDim);
                int kvh = h / group;
                for (int p = 0; p < len; p++)
                    scores[p] = System.Numerics.Tensors.TensorPrimitives.Dot(qh, keyCache.Slice(p * kvDim + kvh * headDim, headDim)) * scale;
                Ops.Softmax(scores.AsSpan(0, len));
                var oh = output.Slice(t * qDim + h * headDim, headDim);
                oh.Clear();
                for (int p = 0; p < len; p++)
                {
                    var vh = valueCache.Slice(p * kvDim + kvh * headDim, headDim);
                    float w = scores[p];
                    for (int d = 0; d < headDim; d++) oh[d] += w * vh[d];
                }
            }
        }
    }
}
