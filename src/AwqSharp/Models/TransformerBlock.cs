using System.Buffers;
using AwqSharp.Kernels;
using AwqSharp.Runtime;

namespace AwqSharp.Models;

/// <summary>
/// One Llama decoder block over a batch of rows (several sequences concatenated):
/// <c>x += o_proj(attention(rope(q,k), v))</c> on <c>input_layernorm(x)</c>, then
/// <c>x += down(silu(gate(h)) * up(h))</c> on <c>post_attention_layernorm(x)</c>.
/// </summary>
public static class TransformerBlock
{
    /// <summary>
    /// Runs the block in place on the residual stream <paramref name="x"/> [rows, hidden]. Each
    /// sequence's new keys and values go to its cache's layer <paramref name="cacheLayer"/> at
    /// positions starting from the cache's current <see cref="KvCache.Length"/> (the caller advances it).
    /// </summary>
    public static void Forward(ModelConfig c, LayerWeights w, int layer, int cacheLayer, RotaryEmbedding rope, Span<float> x,
        IReadOnlyList<SequenceSlice> sequences, IBlockObserver? observer = null)
    {
        int rows = x.Length / c.HiddenSize;
        int hidden = c.HiddenSize, qDim = c.QDim, kvDim = c.KvDim, inter = c.IntermediateSize;
        var pool = ArrayPool<float>.Shared;
        float[] normed = pool.Rent(rows * hidden), q = pool.Rent(rows * qDim), k = pool.Rent(rows * kvDim), v = pool.Rent(rows * kvDim),
            attn = pool.Rent(rows * qDim), proj = pool.Rent(rows * Math.Max(hidden, inter)), up = pool.Rent(rows * inter);
        try
        {
            // Attention
            var xn = normed.AsSpan(0, rows * hidden);
            Ops.RmsNorm(x, w.InputNorm, xn, rows, c.RmsNormEps);
            observer?.OnInput(layer, BlockInput.Attention, xn, rows, hidden);
            w.Q.Forward(xn, q.AsSpan(0, rows * qDim), rows);
            w.K.Forward(xn, k.AsSpan(0, rows * kvDim), rows);
            w.V.Forward(xn, v.AsSpan(0, rows * kvDim), rows);
            foreach (var s in sequences)
            {
                int start = s.Cache.Length;
                if (c.SlidingWindow is int window && start + s.Count > window)
                    throw new UnsupportedModelException($"sequence of {start + s.Count} positions exceeds sliding_window {window}; sliding-window attention is not implemented");
                s.Cache.EnsureRoom(s.Count);
                var keys = s.Cache.Keys(cacheLayer);
                var values = s.Cache.Values(cacheLayer);
                for (int t = 0; t < s.Count; t++)
                {
                    int row = s.Row + t, pos = start + t;
                    rope.Apply(q.AsSpan(row * qDim, qDim), c.NumHeads, pos);
                    var krow = k.AsSpan(row * kvDim, kvDim);
                    rope.Apply(krow, c.NumKvHeads, pos);
                    krow.CopyTo(keys.Slice(pos * kvDim, kvDim));
                    v.AsSpan(row * kvDim, kvDim).CopyTo(values.Slice(pos * kvDim, kvDim));
                }
                Attention.CausalSelfAttention(q.AsSpan(s.Row * qDim, s.Count * qDim), keys, values, attn.AsSpan(s.Row * qDim, s.Count * qDim),
                    s.Count, start, c.NumHeads, c.NumKvHeads, c.HeadDim);
            }
            var attnOut = attn.AsSpan(0, rows * qDim);
            observer?.OnInput(layer, BlockInput.AttentionOutput, attnOut, rows, qDim);
            var o = proj.AsSpan(0, rows * hidden);
            w.O.Forward(attnOut, o, rows);
            System.Numerics.Tensors.TensorPrimitives.Add(x, o, x);

            // MLP
            Ops.RmsNorm(x, w.PostAttentionNorm, xn, rows, c.RmsNormEps);
            observer?.OnInput(layer, BlockInput.Mlp, xn, rows, hidden);
            var gate = proj.AsSpan(0, rows * inter);
            var u = up.AsSpan(0, rows * inter);
            w.Gate.Forward(xn, gate, rows);
            w.Up.Forward(xn, u, rows);
            Ops.SiluMultiply(gate, u);
            observer?.OnInput(layer, BlockInput.MlpDown, gate, rows, inter);
            var down = normed.AsSpan(0, rows * hidden);
            w.Down.Forward(gate, down, rows);
            System.Numerics.Tensors.TensorPrimitives.Add(x, down, x);
        }
        finally
        {
            foreach (var a in new[] { normed, q, k, v, attn, proj, up }) pool.Return(a);
        }
    }
}
