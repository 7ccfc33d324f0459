using System.Buffers;
using System.Diagnostics;
using AwqSharp.Kernels;
using AwqSharp.Models;
using AwqSharp.Quantization.Awq;

namespace AwqSharp.Quantization.Gptq;

/// <summary>
/// GPTQ on one decoder block, as IST-DASLab/gptq <c>llama_sequential</c> with <c>--true-sequential</c>: the linears are
/// quantized in four sub-groups, [q, k, v], [o], [gate, up], [down], each on inputs computed with the sub-groups before
/// it already quantized; then the block's output is recomputed with every weight quantized and becomes the next
/// block's input, so quantization errors propagate through the model (the reference's design, unlike AWQ's).
/// </summary>
/// <remarks>
/// The reference re-runs the whole block on all samples once per sub-group; here each pass computes only what the
/// next sub-group needs (q, k, v read the input norm; o reads the attention output; gate and up read the
/// post-attention norm; down reads the SwiGLU product), chunk by chunk, so the extra activations held are the
/// attention outputs alone. q/k/v and gate/up share one Hessian each (their inputs are the same tensor).
/// </remarks>
public static class GptqBlock
{
    /// <summary>
    /// Quantizes <paramref name="layer"/>'s seven linears. <paramref name="x"/> holds the block's input (the quantized
    /// model's residual stream over the calibration batch, <c>[batch.Rows, hidden]</c>); on return it holds the
    /// block's output with the quantized weights. The layer's dense weights are overwritten with their dequantized
    /// values, as the reference does.
    /// </summary>
    /// <returns>The quantized weights by linear name, and one report per linear.</returns>
    public static (Dictionary<string, QuantizedWeight> Weights, List<GptqLinearReport> Reports) Quantize(ModelConfig c, RotaryEmbedding rope,
        LayerWeights layer, float[] x, CalibrationBatch batch, QuantizationOptions options, GptqOptions gptq, int layerIndex = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        int hidden = c.HiddenSize, qDim = c.QDim, inter = c.IntermediateSize, rows = batch.Rows;
        if (x.Length < (long)rows * hidden) throw new ArgumentException($"x has {x.Length} elements, needs {rows}x{hidden}", nameof(x));
        var weights = new Dictionary<string, QuantizedWeight>();
        var reports = new List<GptqLinearReport>();
        var q = Dense(layer.Q); var k = Dense(layer.K); var v = Dense(layer.V); var o = Dense(layer.O);
        var gate = Dense(layer.Gate); var up = Dense(layer.Up); var down = Dense(layer.Down);

        void Run(HessianAccumulator h, params (string Name, DenseLinear Linear)[] linears)
        {
            var hessian = h.ToHessian();
            foreach (var (name, linear) in linears)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                var r = GptqQuantizer.Quantize(linear.Weight, linear.OutFeatures, linear.InFeatures, hessian, options, gptq,
                    $"layer {layerIndex} {name}", cancellationToken);
                r.Weight.Dequantize(linear.Weight);
                weights[name] = r.Weight;
                reports.Add(new GptqLinearReport(name, r.Loss, r.PercDamp, r.CholeskyRetries, r.DeadColumns, sw.Elapsed.TotalSeconds));
            }
        }

        int maxRows = Math.Min(rows, batch.SamplesPerChunk * batch.SeqLen);
        var pool = ArrayPool<float>.Shared;
        float[] normed = pool.Rent(maxRows * hidden), delta = pool.Rent(maxRows * hidden);
        float[] g = pool.Rent(maxRows * inter), u = pool.Rent(maxRows * inter);
        var attention = new float[(long)rows * qDim];
        try
        {
            // 1. q, k, v on input_layernorm(x).
            var hAttn = new HessianAccumulator(hidden);
            foreach (var (row, n, _) in batch.Chunks())
            {
                Ops.RmsNorm(x.AsSpan(row * hidden, n * hidden), layer.InputNorm, normed, n, c.RmsNormEps);
                hAttn.Add(normed, n);
            }
            Run(hAttn, ("self_attn.q_proj", q), ("self_attn.k_proj", k), ("self_attn.v_proj", v));

            // 2. o on the attention output with quantized q, k, v.
            var hOut = new HessianAccumulator(qDim);
            var capture = new AttentionCapture(attention, qDim);
            foreach (var (row, n, slices) in batch.Chunks())
            {
                Ops.RmsNorm(x.AsSpan(row * hidden, n * hidden), layer.InputNorm, normed, n, c.RmsNormEps);
                capture.Offset = row;
                TransformerBlock.AttentionForward(c, q, k, v, o, 0, rope, normed.AsSpan(0, n * hidden), delta.AsSpan(0, n * hidden), slices, capture);
                hOut.Add(attention.AsSpan(row * qDim, n * qDim), n);
            }
            Run(hOut, ("self_attn.o_proj", o));

            // 3. gate, up on post_attention_layernorm(x + o(attention)).
            var hMlp = new HessianAccumulator(hidden);
            foreach (var (row, n, _) in batch.Chunks())
            {
                var xs = x.AsSpan(row * hidden, n * hidden);
                o.Forward(attention.AsSpan(row * qDim, n * qDim), delta.AsSpan(0, n * hidden), n);
                System.Numerics.Tensors.TensorPrimitives.Add(xs, delta.AsSpan(0, n * hidden), xs);
                Ops.RmsNorm(xs, layer.PostAttentionNorm, normed, n, c.RmsNormEps);
                hMlp.Add(normed, n);
            }
            Run(hMlp, ("mlp.gate_proj", gate), ("mlp.up_proj", up));

            // 4. down on silu(gate(h)) * up(h) with quantized gate, up.
            var hDown = new HessianAccumulator(inter);
            foreach (var (row, n, _) in batch.Chunks())
            {
                SwiGlu(c, x.AsSpan(row * hidden, n * hidden), layer.PostAttentionNorm, gate, up, normed, g, u, n);
                hDown.Add(g.AsSpan(0, n * inter), n);
            }
            Run(hDown, ("mlp.down_proj", down));

            // 5. The block's output with every weight quantized.
            foreach (var (row, n, _) in batch.Chunks())
            {
                var xs = x.AsSpan(row * hidden, n * hidden);
                SwiGlu(c, xs, layer.PostAttentionNorm, gate, up, normed, g, u, n);
                down.Forward(g.AsSpan(0, n * inter), delta.AsSpan(0, n * hidden), n);
                System.Numerics.Tensors.TensorPrimitives.Add(xs, delta.AsSpan(0, n * hidden), xs);
            }
        }
        finally
        {
            pool.Return(normed); pool.Return(delta); pool.Return(g); pool.Return(u);
        }
        return (weights, reports);
    }

    /// <summary>g = silu(gate(h)) · up(h) with h = RMSNorm(x).</summary>
    private static void SwiGlu(ModelConfig c, ReadOnlySpan<float> x, float[] norm, DenseLinear gate, DenseLinear up, float[] normed, float[] g, float[] u, int n)
    {
        int hidden = c.HiddenSize, inter = c.IntermediateSize;
        Ops.RmsNorm(x, norm, normed, n, c.RmsNormEps);
        gate.Forward(normed.AsSpan(0, n * hidden), g.AsSpan(0, n * inter), n);
        up.Forward(normed.AsSpan(0, n * hidden), u.AsSpan(0, n * inter), n);
        Ops.SiluMultiply(g.AsSpan(0, n * inter), u.AsSpan(0, n * inter));
    }

    private static DenseLinear Dense(ILinear linear) => linear as DenseLinear
        ?? throw new UnsupportedModelException("the model is already quantized; GPTQ needs full-precision weights");

    /// <summary>Copies each chunk's attention output (o_proj's input) into the whole-batch buffer.</summary>
    private sealed class AttentionCapture(float[] destination, int columns) : IBlockObserver
    {
        public int Offset { get; set; }

        public void OnInput(int layer, BlockInput kind, ReadOnlySpan<float> x, int rows, int cols)
        {
            if (kind == BlockInput.AttentionOutput) x.Slice(0, rows * columns).CopyTo(destination.AsSpan(Offset * columns));
        }
    }
}
