using System.Buffers;
using System.Numerics.Tensors;
using AwqSharp.Kernels;
using AwqSharp.Runtime;

namespace AwqSharp.Models;

/// <summary>
/// One Llama decoder block over a batch of rows (several sequences concatenated):
/// <c>x += o_proj(attention(rope(q,k), v))</c> on <c>input_layernorm(x)</c>, then
/// <c>x += down(silu(gate(h)) * up(h))</c> on <c>h = post_attention_layernorm(x)</c>.
/// The attention and MLP halves are public on their own: AWQ's search runs them in isolation.
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
        int hidden = c.HiddenSize;
        int rows = x.Length / hidden;
        var pool = ArrayPool<float>.Shared;
        float[] normed = pool.Rent(rows * hidden), delta = pool.Rent(rows * hidden);
        try
        {
            var xn = normed.AsSpan(0, rows * hidden);
            var d = delta.AsSpan(0, rows * hidden);
            Ops.RmsNorm(x, w.InputNorm, xn, rows, c.RmsNormEps);
            observer?.OnInput(layer, BlockInput.Attention, xn, rows, hidden);
            AttentionForward(c, w.Q, w.K, w.V, w.O, cacheLayer, rope, xn, d, sequences, observer, layer);
            TensorPrimitives.Add(x, d, x);

            Ops.RmsNorm(x, w.PostAttentionNorm, xn, rows, c.RmsNormEps);
            observer?.OnInput(layer, BlockInput.Mlp, xn, rows, hidden);
            MlpForward(c, w.Gate, w.Up, w.Down, xn, d, rows, observer, layer);
            TensorPrimitives.Add(x, d, x);
        }
        finally
        {
            pool.Return(normed);
            pool.Return(delta);
        }
    }

    /// <summary>
    /// The self-attention module (q, k, v projections, RoPE, causal GQA attention, o_proj) on normed
    /// input <paramref name="xn"/> [rows, hidden], writing [rows, hidden] to <paramref name="output"/>.
    /// </summary>
    public static void AttentionForward(ModelConfig c, ILinear wq, ILinear wk, ILinear wv, ILinear wo, int cacheLayer, RotaryEmbedding rope,
        ReadOnlySpan<float> xn, Span<float> output, IReadOnlyList<SequenceSlice> sequences, IBlockObserver? observer = null, int layer = 0)
    {
        int rows = xn.Length / c.HiddenSize;
        int qDim = c.QDim, kvDim = c.KvDim;
        var pool = ArrayPool<float>.Shared;
        float[] q = pool.Rent(rows * qDim), k = pool.Rent(rows * kvDim), v = pool.Rent(rows * kvDim), attn = pool.Rent(rows * qDim);
        try
        {
            wq.Forward(xn, q.AsSpan(0, rows * qDim), rows);
            wk.Forward(xn, k.AsSpan(0, rows * kvDim), rows);
            wv.Forward(xn, v.AsSpan(0, rows * kvDim), rows);
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
            wo.Forward(attnOut, output.Slice(0, rows * c.HiddenSize), rows);
        }
        finally
        {
            pool.Return(q); pool.Return(k); pool.Return(v); pool.Return(attn);
        }
    }

    /// <summary>The SwiGLU MLP <c>down(silu(gate(h)) * up(h))</c> on [rows, hidden], writing [rows, hidden].</summary>
    public static void MlpForward(ModelConfig c, ILinear gate, ILinear up, ILinear down, ReadOnlySpan<float> xn, Span<float> output, int rows,
        IBlockObserver? observer = null, int layer = 0)
    {
        int inter = c.IntermediateSize;
        var pool = ArrayPool<float>.Shared;
        float[] g = pool.Rent(rows * inter), u = pool.Rent(rows * inter);
        try
        {
            var gs = g.AsSpan(0, rows * inter);
            var us = u.AsSpan(0, rows * inter);
            if (gate is Runtime.PackedInt4Linear { Bias: null } pg && up is Runtime.PackedInt4Linear { Bias: null } pu)
            {
                // One pass over both packed weights (bitwise the same as the three steps below).
                Kernels.Int4.PackedInt4Matrix.MultiplySiluGateUp(xn, pg.Matrix, pu.Matrix, gs, rows);
            }
            else
            {
                gate.Forward(xn, gs, rows);
                up.Forward(xn, us, rows);
                Ops.SiluMultiply(gs, us);
            }
            observer?.OnInput(layer, BlockInput.MlpDown, gs, rows, inter);
            down.Forward(gs, output.Slice(0, rows * c.HiddenSize), rows);
        }
        finally
        {
            pool.Return(g); pool.Return(u);
        }
    }
}
