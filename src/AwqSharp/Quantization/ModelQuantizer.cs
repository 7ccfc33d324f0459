using System.Diagnostics;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization.Awq;
using AwqSharp.Quantization.Calibration;
using AwqSharp.Quantization.Gptq;

namespace AwqSharp.Quantization;

/// <summary>
/// Quantizes a model block by block: only one block's weights are in float32 at a time (plus the
/// embeddings and the calibration activations). For AWQ, each block first runs in full precision on
/// the calibration activations, recording its linears' inputs; its output feeds the next block (so,
/// as in the reference, no quantization error propagates). Then scales are searched and fused,
/// clips searched, and the linears quantized.
/// For GPTQ (<see cref="GptqBlock"/>) the activations are the quantized model's own: each block is quantized on
/// the output of the already-quantized blocks before it, as the GPTQ reference does. AWQ+GPTQ keeps both streams:
/// AWQ searches on the full-precision one (as llm-awq does before handing its scales to GPTQ), then GPTQ quantizes
/// the scaled (and, with clipping, clamped) block on the quantized one.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>Quantizes a checkpoint, streaming its blocks from <paramref name="source"/>.</summary>
    public static (QuantizedModel Model, QuantizationReport Report) Quantize(ITensorSource source, ModelConfig config, QuantizeRequest request,
        IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var embeddings = ModelLoader.LoadEmbeddings(source, config);
        float[]? lmHead = null;
        if (!config.TieWordEmbeddings)
        {
            var head = ModelLoader.LoadLmHead(source, config, embeddings);
            lmHead = head is DenseLinear d ? d.Weight : throw new UnsupportedModelException("lm_head is already quantized; quantize from a full-precision checkpoint");
        }
        return Run(config, embeddings, i => ModelLoader.LoadLayer(source, config, i), ModelLoader.LoadFinalNorm(source, config), lmHead,
            request, progress, cancellationToken);
    }

    /// <summary>Quantizes an in-memory dense model (left unchanged: each block is copied before it is scaled).</summary>
    public static (QuantizedModel Model, QuantizationReport Report) Quantize(LlamaModel model, QuantizeRequest request,
        IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var w = model.Weights;
        float[]? lmHead = model.Config.TieWordEmbeddings ? null : Dense(w.LmHead).Weight;
        return Run(model.Config, w.Embeddings, i => Copy(w.Layers[i]), w.FinalNorm, lmHead, request, progress, cancellationToken);
    }

    private static DenseLinear Dense(ILinear linear) => DenseLinear.FromFullPrecision(linear)
        ?? throw new UnsupportedModelException("the model is already quantized; quantize from a full-precision checkpoint");

    /// <summary>A deep copy of a dense block (AWQ mutates the copy).</summary>
    public static LayerWeights Copy(LayerWeights l)
    {
        static DenseLinear C(ILinear linear) => linear is DenseLinear d
            ? new DenseLinear((float[])d.Weight.Clone(), d.OutFeatures, d.InFeatures, (float[]?)d.Bias?.Clone())
            : Dense(linear);
        return new LayerWeights
        {
            InputNorm = (float[])l.InputNorm.Clone(), PostAttentionNorm = (float[])l.PostAttentionNorm.Clone(),
            Q = C(l.Q), K = C(l.K), V = C(l.V), O = C(l.O), Gate = C(l.Gate), Up = C(l.Up), Down = C(l.Down),
        };
    }

    private static (QuantizedModel, QuantizationReport) Run(ModelConfig c, float[] embeddings, Func<int, LayerWeights> loadLayer, float[] finalNorm,
        float[]? lmHead, QuantizeRequest request, IProgress<QuantizeProgress>? progress, CancellationToken cancellationToken)
    {
        var options = request.Options.Validate();
        var sw = Stopwatch.StartNew();
        var report = new QuantizationReport();
        var rope = new RotaryEmbedding(c);
        var layers = new QuantizedLayer[c.NumLayers];

        bool awqSearch = request.Method is QuantizationMethod.Awq or QuantizationMethod.AwqGptq;
        bool gptq = request.Method is QuantizationMethod.Gptq or QuantizationMethod.AwqGptq;
        var gptqOptions = (request.Gptq ?? GptqOptions.Default).Validate();
        float[]? x = null, xQuantized = null;
        CalibrationBatch? batch = null;
        if (request.Method != QuantizationMethod.Rtn)
        {
            var calib = request.Calibration;
            if (calib is null || calib.Length == 0)
                throw new ArgumentException($"{(request.Method == QuantizationMethod.AwqGptq ? "AWQ+GPTQ" : request.Method.ToString().ToUpperInvariant())} needs calibration samples (--calib)");
            int seqLen = calib[0].Length;
            if (calib.Any(s => s.Length != seqLen)) throw new ArgumentException("calibration samples must all have the same length");
            if (seqLen > c.MaxPositionEmbeddings) throw new ArgumentException($"--calib-seqlen {seqLen} exceeds max_position_embeddings {c.MaxPositionEmbeddings}");
            batch = new CalibrationBatch(c, calib.Length, seqLen);
            x = new float[(long)batch.Rows * c.HiddenSize];
            var embedder = new LlamaModel(c, new LlamaWeights { Embeddings = embeddings, Layers = [], FinalNorm = finalNorm, LmHead = new DenseLinear(embeddings, c.VocabSize, c.HiddenSize) });
            for (int s = 0; s < calib.Length; s++) embedder.Embed(calib[s], x.AsSpan(s * seqLen * c.HiddenSize, seqLen * c.HiddenSize));
            // GPTQ alone runs on one stream (x, the quantized model's); AWQ+GPTQ keeps x full precision for AWQ.
            xQuantized = request.Method == QuantizationMethod.AwqGptq ? (float[])x.Clone() : x;
        }

        for (int l = 0; l < c.NumLayers; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new QuantizeProgress(l, c.NumLayers, "loading"));
            var layer = loadLayer(l);
            Dictionary<string, float[]>? clips = null;
            if (awqSearch)
            {
                // Full-precision pass: capture the linears' inputs; the output is the next block's input.
                progress?.Report(new QuantizeProgress(l, c.NumLayers, "calibrating"));
                var capture = new BlockCapture();
                var captured = new CaptureAcrossChunks(c, batch!.Rows);
                foreach (var (row, n, slices) in batch.Chunks())
                {
                    captured.Offset = row;
                    TransformerBlock.Forward(c, layer, l, 0, rope, x.AsSpan(row * c.HiddenSize, n * c.HiddenSize), slices, captured);
                }
                captured.CopyTo(capture);

                progress?.Report(new QuantizeProgress(l, c.NumLayers, "searching scales"));
                foreach (var r in AwqBlock.SearchAndFuseScales(c, rope, layer, capture, batch, options, request.GridSize, request.DuoScaling, cancellationToken))
                    report.ScaleSearches.Add((l, r));
                if (request.Clip)
                {
                    progress?.Report(new QuantizeProgress(l, c.NumLayers, "searching clips"));
                    clips = AwqBlock.SearchClips(layer, capture, batch.Rows, options, cancellationToken);
                }
            }
            progress?.Report(new QuantizeProgress(l, c.NumLayers, gptq ? "gptq" : "quantizing"));
            var biases = new Dictionary<string, float[]>();
            foreach (var (name, linear) in layer.Linears())
                if (((DenseLinear)linear).Bias is { } bias) biases[name] = bias;
            Dictionary<string, QuantizedWeight> quantized;
            if (gptq)
            {
                if (clips is not null) WeightClipping.Apply(layer, clips, options);
                var (weights, reports) = GptqBlock.Quantize(c, rope, layer, xQuantized!, batch!, options, gptqOptions, l, cancellationToken);
                quantized = weights;
                foreach (var r in reports) report.GptqLinears.Add((l, r));
            }
            else
            {
                quantized = new Dictionary<string, QuantizedWeight>();
                foreach (var (name, linear) in layer.Linears())
                {
                    var d = (DenseLinear)linear;
                    float[]? clip = clips?.GetValueOrDefault(name);
                    quantized[name] = GroupQuantizer.Quantize(d.Weight, d.OutFeatures, d.InFeatures, options, clip);
                }
            }
            layers[l] = new QuantizedLayer { InputNorm = layer.InputNorm, PostAttentionNorm = layer.PostAttentionNorm, Linears = quantized, Biases = biases };
            progress?.Report(new QuantizeProgress(l + 1, c.NumLayers, "done"));
        }
        report.Seconds = sw.Elapsed.TotalSeconds;
        report.PeakRssBytes = PeakRss.Bytes();
        var model = new QuantizedModel
        {
            Config = c, Options = options, Method = request.Method, Embeddings = embeddings, FinalNorm = finalNorm, LmHead = lmHead, Layers = layers,
        };
        return (model, report);
    }

    /// <summary>Collects a block's linear inputs over sample chunks into whole-batch matrices.</summary>
    private sealed class CaptureAcrossChunks(ModelConfig c, int rows) : IBlockObserver
    {
        private readonly float[][] _data =
        [
            new float[(long)rows * c.HiddenSize], new float[(long)rows * c.QDim], new float[(long)rows * c.HiddenSize], new float[(long)rows * c.IntermediateSize],
        ];
        public int Offset { get; set; }

        public void OnInput(int layer, BlockInput kind, ReadOnlySpan<float> x, int n, int columns) =>
            x.Slice(0, n * columns).CopyTo(_data[(int)kind].AsSpan(Offset * columns));

        public void CopyTo(BlockCapture capture)
        {
            for (int k = 0; k < 4; k++)
                capture.Set((BlockInput)k, _data[k], rows);
        }
    }
}
