using AwqSharp.Evaluation;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Calibration;
using AwqSharp.Tokenization;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// The quantize and evaluate steps that <c>awq quantize</c>, <c>awq eval</c> and <c>awq demo</c> share:
/// calibration text, quantize-and-save and perplexity, each with its progress on stderr. Living once is what makes
/// the demo's table the numbers the two commands print for the same settings (DemoCommandTests holds it to that).
/// </summary>
internal static class PipelineSteps
{
    /// <summary>
    /// Calibration samples from a text file (one document per line, see <see cref="CalibrationSet"/>), tokenized with
    /// the model's tokenizer; samples are never longer than the model's context.
    /// </summary>
    public static int[][] Calibration(string path, ModelConfig config, TextTokenizer tokenizer, int samples, int seqLen)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such calibration file", path);
        return CalibrationSet.FromText(File.ReadAllText(path), t => tokenizer.Encode(t), samples, Math.Min(seqLen, config.MaxPositionEmbeddings), path);
    }

    /// <summary>
    /// Quantizes the full-precision checkpoint in <paramref name="modelDir"/> and writes it to <paramref name="outDir"/>
    /// (atomically, with the source's tokenizer files), showing progress under <paramref name="title"/>.
    /// </summary>
    /// <returns>The quantization_config written (its layout is what <paramref name="format"/> resolved to) and the report, with the peak RSS after the save.</returns>
    public static (AwqQuantizationConfig Written, QuantizationReport Report) QuantizeAndSave(string title, string modelDir, ModelConfig config,
        QuantizeRequest request, string outDir, QuantizedFormat format, CancellationToken ct)
    {
        QuantizedModel quantized;
        QuantizationReport report;
        // The source's tensors are memory-mapped; the maps are released before the save writes the output.
        using (var source = SafetensorsCheckpoint.Open(modelDir))
        {
            (quantized, report) = CliProgress.Run(title, progress =>
                ModelQuantizer.Quantize(source, config, request, new SyncProgress<QuantizeProgress>(p =>
                    progress(p.Layer, p.Layers, $"layer {Math.Min(p.Layer + 1, p.Layers)}/{p.Layers} {p.Stage}")), ct));
        }
        var written = QuantizedCheckpointWriter.Save(quantized, outDir, modelDir, format, ct);
        report.PeakRssBytes = PeakRss.Bytes();
        return (written, report);
    }

    /// <summary>The perplexity options of <c>--seqlen</c> and <c>--max-windows</c>, checked.</summary>
    public static PerplexityOptions PerplexityOptions(int seqLen, int? maxWindows)
    {
        if (seqLen < 2) throw new ArgumentException($"--seqlen must be at least 2, got {seqLen}");
        if (maxWindows is <= 0) throw new ArgumentException($"--max-windows must be positive, got {maxWindows}");
        return new PerplexityOptions(seqLen, maxWindows);
    }

    /// <summary>The tokens of a text file to score: the whole file encoded at once, with the tokenizer's special tokens (BOS), as the papers do.</summary>
    public static int[] EvaluationTokens(string path, TextTokenizer tokenizer)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such text file", path);
        return tokenizer.Encode(File.ReadAllText(path), addSpecialTokens: true);
    }

    /// <summary>Loads the model in <paramref name="modelDir"/> and measures its perplexity on <paramref name="tokens"/>, showing progress under <paramref name="title"/>.</summary>
    public static PerplexityResult Perplexity(string title, string modelDir, int[] tokens, PerplexityOptions options, CancellationToken ct)
    {
        var model = LlamaModel.Load(modelDir, cancellationToken: ct, dense: DenseStorage.KeepHalf);
        return CliProgress.Run(title, report => Evaluation.Perplexity.Evaluate(model, tokens, options,
            new SyncProgress<(int Done, int Total)>(p => report(p.Done, p.Total, $"{p.Done}/{p.Total} windows")), ct));
    }
}
