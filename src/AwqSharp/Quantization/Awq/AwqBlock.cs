using AwqSharp.Models;
using AwqSharp.Quantization.Calibration;

namespace AwqSharp.Quantization.Awq;

/// <summary>
/// AWQ on one decoder block, in the reference's order: search the four scale groups on the
/// unmodified block, fuse the scales (and divide the captured inputs by them), then search clip
/// bounds for every linear except q and k (whose error the q·k product makes hard to judge).
/// </summary>
public static class AwqBlock
{
    /// <summary>Searches and fuses the scales of every group; mutates <paramref name="layer"/> and <paramref name="capture"/>.</summary>
    public static List<ScaleSearchResult> SearchAndFuseScales(ModelConfig c, RotaryEmbedding rope, LayerWeights layer, BlockCapture capture,
        CalibrationBatch batch, QuantizationOptions options, int gridSize = AwqScaleSearch.DefaultGridSize, bool duoScaling = false,
        CancellationToken cancellationToken = default)
    {
        var q = (DenseLinear)layer.Q; var k = (DenseLinear)layer.K; var v = (DenseLinear)layer.V; var o = (DenseLinear)layer.O;
        var gate = (DenseLinear)layer.Gate; var up = (DenseLinear)layer.Up; var down = (DenseLinear)layer.Down;
        int rows = batch.Rows, hidden = c.HiddenSize;
        var attnIn = capture[BlockInput.Attention];
        var oIn = capture[BlockInput.AttentionOutput];
        var mlpIn = capture[BlockInput.Mlp];
        var downIn = capture[BlockInput.MlpDown];

        var results = new List<ScaleSearchResult>();
        var qkv = AwqScaleSearch.Search(ScaleGroup.QkvFromInputNorm, [q, k, v], attnIn, rows, options, (t, output) =>
        {
            foreach (var (row, n, slices) in batch.Chunks())
                TransformerBlock.AttentionForward(c, t[0], t[1], t[2], o, 0, rope, attnIn.AsSpan(row * hidden, n * hidden), output.AsSpan(row * hidden, n * hidden), slices);
        }, rows * hidden, gridSize, duoScaling, cancellationToken);
        results.Add(qkv);

        // v_proj -> o_proj only when the shapes match (no GQA), as llm-awq PR #67.
        ScaleSearchResult? vo = null;
        if (v.OutFeatures == o.OutFeatures && v.InFeatures == o.InFeatures)
        {
            vo = AwqScaleSearch.Search(ScaleGroup.OutFromValue, [o], oIn, rows, options,
                (t, output) => t[0].Forward(oIn, output, rows), rows * o.OutFeatures, gridSize, duoScaling, cancellationToken);
            results.Add(vo);
        }

        var gateUp = AwqScaleSearch.Search(ScaleGroup.GateUpFromPostNorm, [gate, up], mlpIn, rows, options, (t, output) =>
        {
            foreach (var (row, n, _) in batch.Chunks())
                TransformerBlock.MlpForward(c, t[0], t[1], down, mlpIn.AsSpan(row * hidden, n * hidden), output.AsSpan(row * hidden, n * hidden), n);
        }, rows * hidden, gridSize, duoScaling, cancellationToken);
        results.Add(gateUp);

        var dn = AwqScaleSearch.Search(ScaleGroup.DownFromUp, [down], downIn, rows, options,
            (t, output) => t[0].Forward(downIn, output, rows), rows * down.OutFeatures, gridSize, duoScaling, cancellationToken);
        results.Add(dn);

        // Fuse, in the reference's order, and keep the cached inputs consistent with the scaled weights.
        ScaleFusion.IntoNorm(layer.InputNorm, [q, k, v], qkv.Scales);
        ScaleFusion.DivideColumns(attnIn, rows, qkv.Scales);
        if (vo is not null)
        {
            ScaleFusion.IntoLinear(v, o, vo.Scales);
            ScaleFusion.DivideColumns(oIn, rows, vo.Scales);
        }
        ScaleFusion.IntoNorm(layer.PostAttentionNorm, [gate, up], gateUp.Scales);
        ScaleFusion.DivideColumns(mlpIn, rows, gateUp.Scales);
        ScaleFusion.IntoLinear(up, down, dn.Scales);
        ScaleFusion.DivideColumns(downIn, rows, dn.Scales);
        return results;
    }

    /// <summary>Clip bounds ([out, groups]) per linear name for v, o, gate, up and down (q and k are never clipped).</summary>
    public static Dictionary<string, float[]> SearchClips(LayerWeights layer, BlockCapture capture, int rows, QuantizationOptions options,
        CancellationToken cancellationToken = default)
    {
        return new Dictionary<string, float[]>
        {
            ["self_attn.v_proj"] = AwqClipSearch.Search((DenseLinear)layer.V, capture[BlockInput.Attention], rows, options, cancellationToken: cancellationToken),
            ["self_attn.o_proj"] = AwqClipSearch.Search((DenseLinear)layer.O, capture[BlockInput.AttentionOutput], rows, options, cancellationToken: cancellationToken),
            ["mlp.gate_proj"] = AwqClipSearch.Search((DenseLinear)layer.Gate, capture[BlockInput.Mlp], rows, options, cancellationToken: cancellationToken),
            ["mlp.up_proj"] = AwqClipSearch.Search((DenseLinear)layer.Up, capture[BlockInput.Mlp], rows, options, cancellationToken: cancellationToken),
            ["mlp.down_proj"] = AwqClipSearch.Search((DenseLinear)layer.Down, capture[BlockInput.MlpDown], rows, options, cancellationToken: cancellationToken),
        };
    }
}
