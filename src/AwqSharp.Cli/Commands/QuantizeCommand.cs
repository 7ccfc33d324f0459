using System.CommandLine;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Calibration;
using AwqSharp.Tokenization;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq quantize --model DIR --out DIR [--method awq|rtn] [--bits 4] [--group-size 128] [--zero-point true]
/// [--calib FILE] [--calib-samples 128] [--calib-seqlen 512] [--no-clip] [--format auto|autoawq|awqsharp] [--seed 0] [--json]`.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("full-precision model directory to quantize");
        var output = new Option<string>("--out", "-o") { Description = "output model directory (written atomically)", Required = true };
        var method = new Option<string>("--method") { Description = "awq (activation-aware scale + clip search) or rtn (round-to-nearest baseline)", DefaultValueFactory = _ => "awq" };
        method.AcceptOnlyFromAmong("awq", "rtn");
        var bits = new Option<int>("--bits") { Description = "bits per weight: 2, 3, 4 or 8", DefaultValueFactory = _ => 4 };
        var groupSize = new Option<int>("--group-size") { Description = "inputs per quantization group (32, 64, 128...; -1 = per output channel)", DefaultValueFactory = _ => 128 };
        var zeroPoint = new Option<bool>("--zero-point") { Description = "asymmetric quantization with a zero point (false: symmetric)", DefaultValueFactory = _ => true };
        var calib = new Option<string?>("--calib") { Description = "calibration text file (one document per line); required for awq" };
        var samples = new Option<int>("--calib-samples") { Description = "calibration samples (token blocks)", DefaultValueFactory = _ => 128 };
        var seqLen = new Option<int>("--calib-seqlen") { Description = "tokens per calibration sample", DefaultValueFactory = _ => 512 };
        var noClip = new Option<bool>("--no-clip") { Description = "skip AWQ's weight-clipping search" };
        var format = new Option<string>("--format") { Description = "checkpoint layout: auto (AutoAWQ GEMM when it fits, else awqsharp), autoawq, awqsharp", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "autoawq", "awqsharp");
        var seed = new Option<int>("--seed") { Description = "seed (the algorithms are deterministic; kept for reproducible sampling of calibration data)", DefaultValueFactory = _ => 0 };
        var json = CommonOptions.Json();
        var command = new Command("quantize", "quantize a model's linear layers group-wise (AWQ or RTN) and save a quantized checkpoint")
        {
            model, output, method, bits, groupSize, zeroPoint, calib, samples, seqLen, noClip, format, seed, json,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(new Args(
            pr.GetValue(model)!, pr.GetValue(output)!, pr.GetValue(method)!, pr.GetValue(bits), pr.GetValue(groupSize), pr.GetValue(zeroPoint),
            pr.GetValue(calib), pr.GetValue(samples), pr.GetValue(seqLen), !pr.GetValue(noClip), pr.GetValue(format)!, pr.GetValue(seed), pr.GetValue(json)), ct))));
        return command;
    }

    private sealed record Args(string Model, string Out, string Method, int Bits, int GroupSize, bool ZeroPoint, string? Calib, int Samples, int SeqLen,
        bool Clip, string Format, int Seed, bool Json);

    private static int Run(Args a, CancellationToken ct)
    {
        if (a.Bits is not (2 or 3 or 4 or 8)) throw new ArgumentException($"--bits must be 2, 3, 4 or 8, got {a.Bits}");
        var options = new QuantizationOptions(a.Bits, a.GroupSize, a.ZeroPoint).Validate();
        var config = ModelConfig.Load(a.Model);
        if (config.QuantizationConfig is not null) throw new AwqException($"{a.Model} is already quantized ({config.QuantizationConfig.ToJsonString()}); quantize a full-precision model");
        if (a.GroupSize > 0)
        {
            foreach (var (name, inF) in new[] { ("hidden_size", config.HiddenSize), ("intermediate_size", config.IntermediateSize), ("num_attention_heads*head_dim", config.QDim) })
                if (inF % a.GroupSize != 0 && a.Format != "awqsharp")
                    throw new ArgumentException($"--group-size {a.GroupSize} does not divide {name} = {inF}; the last group would be ragged, which only --format awqsharp stores (or pick a divisor, or -1 for per-channel)");
        }
        var qformat = a.Format switch { "autoawq" => QuantizedFormat.AutoAwq, "awqsharp" => QuantizedFormat.AwqSharp, _ => QuantizedFormat.Auto };
        var quantMethod = a.Method == "rtn" ? QuantizationMethod.Rtn : QuantizationMethod.Awq;

        int[][]? calibration = null;
        if (quantMethod == QuantizationMethod.Awq)
        {
            if (a.Calib is null) throw new ArgumentException("--method awq needs --calib FILE (calibration text, never the evaluation text)");
            if (!File.Exists(a.Calib)) throw new FileNotFoundException($"{a.Calib}: no such calibration file", a.Calib);
            int seqLen = Math.Min(a.SeqLen, config.MaxPositionEmbeddings);
            var tokenizer = TextTokenizer.Load(a.Model);
            calibration = CalibrationSet.FromText(File.ReadAllText(a.Calib), t => tokenizer.Encode(t), a.Samples, seqLen, a.Calib);
            Console.Error.WriteLine($"calibration: {calibration.Length} samples x {seqLen} tokens from {a.Calib}");
        }

        var request = new QuantizeRequest(quantMethod, options, calibration, a.Clip);
        QuantizedModel quantized;
        QuantizationReport report;
        using (var source = SafetensorsCheckpoint.Open(a.Model))
        {
            (quantized, report) = CliProgress.Run("quantize", progress =>
                ModelQuantizer.Quantize(source, config, request, new SyncProgress<QuantizeProgress>(p =>
                    progress(p.Layer, p.Layers, $"layer {Math.Min(p.Layer + 1, p.Layers)}/{p.Layers} {p.Stage}")), ct));
        }
        var written = QuantizedCheckpointWriter.Save(quantized, a.Out, a.Model, qformat, ct);
        report.PeakRssBytes = PeakRss.Bytes();

        if (a.Json)
        {
            JsonOutput.Write(new
            {
                Model = Path.GetFullPath(a.Model),
                Out = Path.GetFullPath(a.Out),
                Method = a.Method,
                a.Bits,
                GroupSize = a.GroupSize,
                a.ZeroPoint,
                Clip = quantMethod == QuantizationMethod.Awq && a.Clip,
                Format = written.QuantMethod,
                CalibSamples = calibration?.Length ?? 0,
                CalibSeqlen = calibration?[0].Length ?? 0,
                report.Seconds,
                PeakRssBytes = report.PeakRssBytes,
                MseImprovement = report.MseImprovement,
            });
        }
        else
        {
            Console.WriteLine($"{a.Method.ToUpperInvariant()} W{a.Bits} g{a.GroupSize} -> {Path.GetFullPath(a.Out)} ({written.QuantMethod} layout)");
            if (report.ScaleSearches.Count > 0)
                Console.WriteLine($"scale search: module output MSE {report.MseImprovement:F2}x lower than RTN's over {report.ScaleSearches.Count} groups");
            Console.WriteLine($"{report.Seconds:F1} s, peak RSS {report.PeakRssBytes / 1048576.0:F0} MiB");
        }
        return 0;
    }
}

/// <summary>An IProgress that reports on the calling thread, in order.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
