using System.CommandLine;
using System.Diagnostics;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Runtime;
using AwqSharp.Tokenization;
using Spectre.Console;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq demo`: the whole pipeline on the model the repository carries (demo/): import stories260K
/// from llama2.c, quantize it with RTN and AWQ, measure perplexity of all three on held-out
/// TinyStories text, and generate from the AWQ model.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data-dir") { Description = "folder with stories260K/ and tinystories/ (default: the repository's demo/)" };
        var output = new Option<string>("--out") { Description = "where the imported and quantized models go", DefaultValueFactory = _ => "demo-out" };
        var bits = new Option<int>("--bits") { Description = "bits per weight", DefaultValueFactory = _ => 3 };
        var group = new Option<int>("--group-size") { Description = "group size (stories260K's 172-wide down_proj makes g32 ragged: AwqSharp layout)", DefaultValueFactory = _ => 32 };
        var samples = new Option<int>("--calib-samples") { Description = "calibration samples of 512 tokens", DefaultValueFactory = _ => 32 };
        var windows = new Option<int?>("--max-windows") { Description = "evaluation windows of 512 tokens (default: all of eval.txt)", DefaultValueFactory = _ => 64 };
        var command = new Command("demo", "run the whole pipeline (import, quantize RTN + AWQ, evaluate, generate) on the bundled stories260K model")
        {
            data, output, bits, group, samples, windows,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(pr.GetValue(data) ?? FindDemoDir(), pr.GetValue(output)!,
            pr.GetValue(bits), pr.GetValue(group), pr.GetValue(samples), pr.GetValue(windows), ct))));
        return command;
    }

    private static string FindDemoDir()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "demo");
                if (File.Exists(Path.Combine(candidate, "stories260K", "stories260K.bin"))) return candidate;
            }
        throw new AwqException("the demo data (demo/stories260K/stories260K.bin) was not found above the current directory; run from the repository or pass --data-dir");
    }

    /// <summary>Tokens per calibration sample and per evaluation window: stories260K's whole context.</summary>
    private const int WindowTokens = 512;

    private static int Run(string demo, string outDir, int bits, int groupSize, int calibSamples, int? maxWindows, CancellationToken ct)
    {
        // Options are checked before the output folders are cleared, so a typo costs nothing.
        var options = new QuantizationOptions(bits, groupSize).Validate();
        var evalOptions = PipelineSteps.PerplexityOptions(WindowTokens, maxWindows);
        var total = Stopwatch.StartNew();
        string fp = Path.Combine(outDir, "stories260K"), rtn = Path.Combine(outDir, $"stories260K-rtn-w{bits}g{groupSize}"), awq = Path.Combine(outDir, $"stories260K-awq-w{bits}g{groupSize}");
        foreach (var d in new[] { fp, rtn, awq }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);

        Step("1/4 import", $"llama2.c checkpoint -> {fp}");
        Llama2cImporter.Import(Path.Combine(demo, "stories260K", "stories260K.bin"), Path.Combine(demo, "stories260K", "tok512.bin"), fp, cancellationToken: ct);
        var config = ModelConfig.Load(fp);
        var tokenizer = TextTokenizer.Load(fp);
        Console.WriteLine($"    {config} ({config.ParameterCount:N0} parameters)");

        var calibration = PipelineSteps.Calibration(Path.Combine(demo, "tinystories", "calib.txt"), config, tokenizer, calibSamples, WindowTokens);
        Step("2/4 quantize", $"W{bits} g{groupSize}, calibrated on {calibration.Length} x {calibration[0].Length} tokens of calib.txt");
        var timings = new Dictionary<string, double>();
        foreach (var (name, method, dir) in new[] { ("RTN", QuantizationMethod.Rtn, rtn), ("AWQ", QuantizationMethod.Awq, awq) })
        {
            var sw = Stopwatch.StartNew();
            // Auto: the AutoAWQ layout when it fits; W3, and g32 over the 172-wide down_proj, fall back to awqsharp.
            PipelineSteps.QuantizeAndSave(name, fp, config, new QuantizeRequest(method, options, method == QuantizationMethod.Awq ? calibration : null),
                dir, QuantizedFormat.Auto, ct);
            timings[name] = sw.Elapsed.TotalSeconds;
            Console.WriteLine($"    {name}: {timings[name]:F1} s -> {dir}");
        }

        // The tokenizer travels with every checkpoint unchanged, so the text is encoded once for all three models.
        var evalTokens = PipelineSteps.EvaluationTokens(Path.Combine(demo, "tinystories", "eval.txt"), tokenizer);
        Step("3/4 evaluate", $"perplexity on eval.txt, windows of {WindowTokens}{(maxWindows is int k ? $", first {k}" : "")}");
        var table = new Table().AddColumns("model", "perplexity", "weights", "quantize s");
        foreach (var (name, dir) in new[] { ("FP32", fp), ($"RTN W{bits} g{groupSize}", rtn), ($"AWQ W{bits} g{groupSize}", awq) })
        {
            var r = PipelineSteps.Perplexity(name, dir, evalTokens, evalOptions, ct);
            long bytes = new FileInfo(Path.Combine(dir, "model.safetensors")).Length;
            string key = name.Split(' ')[0];
            table.AddRow(name, r.Perplexity.ToString("F4"), $"{bytes / 1024.0:F0} KiB", timings.TryGetValue(key, out var t) ? t.ToString("F1") : "-");
        }
        AnsiConsole.Write(table);

        Step("4/4 generate", "greedy, from the AWQ model");
        var generator = new TextGenerator(LlamaModel.Load(awq, cancellationToken: ct, dense: DenseStorage.KeepHalf), TextTokenizer.Load(awq));
        const string prompt = "Once upon a time";
        Console.Write("    " + prompt);
        foreach (var chunk in generator.Generate(generator.EncodePrompt(prompt), new GenerationOptions { MaxTokens = 60, Sampling = SamplingOptions.Greedy }, ct))
            Console.Write(chunk.Text);
        Console.WriteLine();
        Console.WriteLine($"done in {total.Elapsed.TotalSeconds:F0} s. Try: dotnet run --project src/AwqSharp.Cli -c Release -- chat --model {awq}");
        return 0;
    }

    private static void Step(string title, string detail) => Console.WriteLine($"[{title}] {detail}");
}
