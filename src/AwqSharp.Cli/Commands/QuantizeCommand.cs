using System.CommandLine;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Gptq;
using AwqSharp.Tokenization;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq quantize --model DIR --out DIR [--method awq|rtn|gptq|awq+gptq] [--bits 4] [--group-size 128] [--zero-point true]
/// [--calib FILE] [--calib-samples 128] [--calib-seqlen 512] [--no-clip] [--duo-scaling] [--act-order] [--static-groups] [--damp 0.01]
/// [--block-size 128] [--format auto|autoawq|awqsharp] [--seed 0] [--json]`.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("full-precision model directory to quantize");
        var output = new Option<string>("--out", "-o") { Description = "output model directory (written atomically)", Required = true };
        var method = new Option<string>("--method")
        {
            Description = "awq (activation-aware scale + clip search), rtn (round-to-nearest baseline), gptq (Hessian-based error-compensating rounding) or awq+gptq (AWQ scaling, then GPTQ)",
            DefaultValueFactory = _ => "awq",
        };
        method.AcceptOnlyFromAmong("awq", "rtn", "gptq", "awq+gptq");
        var bits = new Option<int>("--bits") { Description = "bits per weight: 2, 3, 4 or 8", DefaultValueFactory = _ => 4 };
        var groupSize = new Option<int>("--group-size") { Description = "inputs per quantization group (32, 64, 128...; -1 = per output channel)", DefaultValueFactory = _ => 128 };
        var zeroPoint = new Option<bool>("--zero-point") { Description = "asymmetric quantization with a zero point (false: symmetric)", DefaultValueFactory = _ => true };
        var calib = new Option<string?>("--calib") { Description = "calibration text file (one document per line); required for awq" };
        var samples = new Option<int>("--calib-samples") { Description = "calibration samples (token blocks)", DefaultValueFactory = _ => 128 };
        var seqLen = new Option<int>("--calib-seqlen") { Description = "tokens per calibration sample", DefaultValueFactory = _ => 512 };
        var noClip = new Option<bool>("--no-clip") { Description = "skip AWQ's weight-clipping search (awq, awq+gptq)" };
        var duoScaling = new Option<bool>("--duo-scaling") { Description = "awq, awq+gptq: AutoAWQ's duo_scaling scale candidates, mean|x|^a / (mean normalised |W|^(1-a) + 1e-4), instead of the paper's mean|x|^a" };
        var actOrder = new Option<bool>("--act-order") { Description = "gptq: quantize columns by decreasing Hessian diagonal (with groups: static groups)" };
        var staticGroups = new Option<bool>("--static-groups") { Description = "gptq: fit every group's scale and zero before the sweep" };
        var damp = new Option<double>("--damp") { Description = "gptq: damping as a fraction of the mean Hessian diagonal", DefaultValueFactory = _ => 0.01 };
        var blockSize = new Option<int>("--block-size") { Description = "gptq: columns per lazy batch update", DefaultValueFactory = _ => 128 };
        var format = new Option<string>("--format") { Description = "checkpoint layout: auto (AutoAWQ GEMM when it fits, else awqsharp), autoawq, awqsharp", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "autoawq", "awqsharp");
        var seed = new Option<int>("--seed") { Description = "seed (the algorithms are deterministic; kept for reproducible sampling of calibration data)", DefaultValueFactory = _ => 0 };
        var json = CommonOptions.Json();
        var command = new Command("quantize", "quantize a model's linear layers group-wise (AWQ, RTN, GPTQ or AWQ+GPTQ) and save a quantized checkpoint")
        {
            model, output, method, bits, groupSize, zeroPoint, calib, samples, seqLen, noClip, duoScaling, actOrder, staticGroups, damp, blockSize, format, seed, json,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(new Args(
            pr.GetValue(model)!, pr.GetValue(output)!, pr.GetValue(method)!, pr.GetValue(bits), pr.GetValue(groupSize), pr.GetValue(zeroPoint),
            pr.GetValue(calib), pr.GetValue(samples), pr.GetValue(seqLen), !pr.GetValue(noClip), pr.GetValue(format)!, pr.GetValue(seed), pr.GetValue(json),
            new GptqOptions(pr.GetValue(damp), pr.GetValue(blockSize), pr.GetValue(actOrder), pr.GetValue(staticGroups)), pr.GetValue(duoScaling)), ct))));
        return command;
    }

    private sealed record Args(string Model, string Out, string Method, int Bits, int GroupSize, bool ZeroPoint, string? Calib, int Samples, int SeqLen,
        bool Clip, string Format, int Seed, bool Json, GptqOptions Gptq, bool DuoScaling);

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
        var quantMethod = a.Method switch
        {
            "rtn" => QuantizationMethod.Rtn,
            "gptq" => QuantizationMethod.Gptq,
            "awq+gptq" => QuantizationMethod.AwqGptq,
            _ => QuantizationMethod.Awq,
        };
        bool usesGptq = quantMethod is QuantizationMethod.Gptq or QuantizationMethod.AwqGptq;
        if (usesGptq) a.Gptq.Validate();

        int[][]? calibration = null;
        if (quantMethod != QuantizationMethod.Rtn)
        {
            if (a.Calib is null) throw new ArgumentException($"--method {a.Method} needs --calib FILE (calibration text, never the evaluation text)");
            calibration = PipelineSteps.Calibration(a.Calib, config, TextTokenizer.Load(a.Model), a.Samples, a.SeqLen);
            Console.Error.WriteLine($"calibration: {calibration.Length} samples x {calibration[0].Length} tokens from {a.Calib}");
        }

        var request = new QuantizeRequest(quantMethod, options, calibration, a.Clip, Gptq: a.Gptq, DuoScaling: a.DuoScaling);
        var (written, report) = PipelineSteps.QuantizeAndSave("quantize", a.Model, config, request, a.Out, qformat, ct);

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
                Clip = quantMethod is QuantizationMethod.Awq or QuantizationMethod.AwqGptq && a.Clip,
                DuoScaling = quantMethod is QuantizationMethod.Awq or QuantizationMethod.AwqGptq && a.DuoScaling,
                ActOrder = usesGptq && a.Gptq.ActOrder,
                StaticGroups = usesGptq && a.Gptq.UsesStaticGroups(options),
                Damp = usesGptq ? a.Gptq.PercDamp : (double?)null,
                BlockSize = usesGptq ? a.Gptq.BlockSize : (int?)null,
                GptqLoss = usesGptq ? report.GptqLoss : (double?)null,
                GptqMaxDamp = usesGptq && report.GptqLinears.Count > 0 ? report.GptqLinears.Max(g => g.Result.PercDamp) : (double?)null,
                GptqDeadColumns = usesGptq ? report.GptqLinears.Sum(g => g.Result.DeadColumns) : (int?)null,
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
                Console.WriteLine($"scale search{(a.DuoScaling ? " (duo scaling)" : "")}: module output MSE {report.MseImprovement:F2}x lower than RTN's over {report.ScaleSearches.Count} groups");
            if (report.GptqLinears.Count > 0)
            {
                int retried = report.GptqLinears.Count(g => g.Result.CholeskyRetries > 0);
                Console.WriteLine($"gptq: {report.GptqLinears.Count} linears, total error {report.GptqLoss:G4}" +
                    (a.Gptq.ActOrder ? ", act-order" : "") + (a.Gptq.UsesStaticGroups(options) ? ", static groups" : "") +
                    (retried > 0 ? $", damping raised on {retried} (up to {report.GptqLinears.Max(g => g.Result.PercDamp):G3})" : ""));
            }
            Console.WriteLine($"{report.Seconds:F1} s, peak RSS {report.PeakRssBytes / 1048576.0:F0} MiB");
        }
        return 0;
    }
}
