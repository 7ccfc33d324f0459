using System.CommandLine;
using AwqSharp.Kernels.Int4;
using AwqSharp.Models;
using AwqSharp.Runtime;
using Spectre.Console;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq bench --model DIR | --synthetic SHAPE [--dtype int4,fp16,fp32] [--prompt-tokens 128] [--gen-tokens 128] [--json]`:
/// prefill and decode tokens/s, weight bytes per token, this machine's read bandwidth and decode as a
/// fraction of that roofline; with several dtypes, each one's speed relative to the last, measured in the same run.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "model directory (quantized 4-bit checkpoints run on the INT4 kernels)" };
        var synthetic = new Option<string?>("--synthetic") { Description = $"random weights in a named shape: {string.Join(", ", SyntheticModel.Shapes.Keys)}" };
        var dtype = new Option<string>("--dtype") { Description = "synthetic weights: int4, fp16, fp32, or several as 'int4,fp16,fp32' (ratios are to the last)", DefaultValueFactory = _ => "int4,fp32" };
        var lmHead = new Option<string>("--int4-lm-head") { Description = "lm_head of the synthetic int4 model: fp16 (as AWQ checkpoints keep it) or fp32", DefaultValueFactory = _ => "fp16" };
        var layers = new Option<int?>("--layers") { Description = "override the synthetic shape's layer count (e.g. to fit memory)" };
        var group = new Option<int>("--group-size") { Description = "synthetic INT4 group size", DefaultValueFactory = _ => 128 };
        var prompt = new Option<int>("--prompt-tokens") { Description = "prefill length", DefaultValueFactory = _ => 128 };
        var gen = new Option<int>("--gen-tokens") { Description = "decode steps", DefaultValueFactory = _ => 128 };
        var bandwidthBytes = new Option<long>("--bandwidth-bytes") { Description = "buffer size of the bandwidth measurement", DefaultValueFactory = _ => MemoryBandwidth.DefaultBufferBytes };
        var json = CommonOptions.Json();
        var command = new Command("bench", "measure prefill/decode speed against the memory-bandwidth roofline")
        {
            model, synthetic, dtype, lmHead, layers, group, prompt, gen, bandwidthBytes, json,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(pr.GetValue(model), pr.GetValue(synthetic), pr.GetValue(dtype)!, pr.GetValue(lmHead)!,
            pr.GetValue(layers), pr.GetValue(group), pr.GetValue(prompt), pr.GetValue(gen), pr.GetValue(bandwidthBytes), pr.GetValue(json), ct))));
        return command;
    }

    private static int Run(string? dir, string? shape, string dtypes, string lmHead, int? layers, int group, int prompt, int gen, long bwBytes, bool json,
        CancellationToken ct)
    {
        if ((dir is null) == (shape is null)) throw new ArgumentException("give exactly one of --model DIR or --synthetic SHAPE");
        if (lmHead is not ("fp16" or "fp32")) throw new ArgumentException($"--int4-lm-head '{lmHead}': use fp16 or fp32");
        var runs = new List<(string Name, InferenceBenchmarkResult Result)>();
        if (dir is not null)
        {
            var m = LlamaModel.Load(dir, cancellationToken: ct, dense: DenseStorage.KeepHalf);
            runs.Add((Path.GetFileName(Path.GetFullPath(dir)), InferenceBenchmark.Run(m, prompt, gen, cancellationToken: ct)));
        }
        else
        {
            var config = SyntheticModel.Shape(shape!);
            if (layers is int n) config = WithLayers(config, n);
            foreach (var d in dtypes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                Console.Error.WriteLine($"building {shape} ({config.NumLayers} layers) with {d} weights...");
                LlamaModel m = d switch
                {
                    "int4" => SyntheticQuantizedModel.CreateInt4(config, group, halfLmHead: lmHead == "fp16"),
                    "fp16" => SyntheticQuantizedModel.CreateFloat16(config),
                    "fp32" => SyntheticQuantizedModel.CreateFloat32(config),
                    _ => throw new ArgumentException($"--dtype '{d}': use int4, fp16, fp32 or a list such as int4,fp32"),
                };
                Console.Error.WriteLine($"running {d}: {prompt} prompt tokens, {gen} decode steps...");
                runs.Add((d, InferenceBenchmark.Run(m, prompt, gen, cancellationToken: ct)));
                m = null!;
                GC.Collect();
            }
        }
        Console.Error.WriteLine("measuring memory read bandwidth...");
        double bandwidth = MemoryBandwidth.MeasureReadGBps(bwBytes, cancellationToken: ct);

        if (json)
        {
            JsonOutput.Write(new
            {
                Model = dir ?? shape,
                BandwidthGbps = bandwidth,
                Runs = runs.Select(r => new
                {
                    Dtype = r.Name,
                    r.Result.PromptTokens,
                    r.Result.GeneratedTokens,
                    r.Result.PrefillTokensPerSecond,
                    r.Result.DecodeTokensPerSecond,
                    r.Result.WeightBytesPerToken,
                    r.Result.DecodeGBps,
                    RooflineTokensPerSecond = bandwidth * 1e9 / r.Result.WeightBytesPerToken,
                    RooflineFraction = r.Result.DecodeGBps / bandwidth,
                }).ToArray(),
                // Each run's speed over the last run's (the baseline: fp32 in the default int4,fp32).
                Baseline = runs.Count >= 2 ? runs[^1].Name : null,
                DecodeRatio = runs.Count == 2 ? runs[0].Result.DecodeTokensPerSecond / runs[1].Result.DecodeTokensPerSecond : (double?)null,
                PrefillRatio = runs.Count == 2 ? runs[0].Result.PrefillTokensPerSecond / runs[1].Result.PrefillTokensPerSecond : (double?)null,
                Ratios = runs.Count >= 2 ? runs.SkipLast(1).Select(r => new
                {
                    Dtype = r.Name,
                    Decode = r.Result.DecodeTokensPerSecond / runs[^1].Result.DecodeTokensPerSecond,
                    Prefill = r.Result.PrefillTokensPerSecond / runs[^1].Result.PrefillTokensPerSecond,
                }).ToArray() : null,
            });
            return 0;
        }
        var table = new Table().AddColumns("weights", "prefill tok/s", "decode tok/s", "MB/token", "decode GB/s", "roofline tok/s", "of roofline");
        foreach (var (name, r) in runs)
            table.AddRow(name, r.PrefillTokensPerSecond.ToString("F1"), r.DecodeTokensPerSecond.ToString("F2"), (r.WeightBytesPerToken / 1e6).ToString("F0"),
                r.DecodeGBps.ToString("F1"), (bandwidth * 1e9 / r.WeightBytesPerToken).ToString("F2"), (r.DecodeGBps / bandwidth).ToString("P0"));
        AnsiConsole.Write(table);
        Console.WriteLine($"memory read bandwidth (all threads): {bandwidth:F1} GB/s");
        foreach (var (name, r) in runs.SkipLast(1))
            Console.WriteLine($"{name} / {runs[^1].Name}: decode {r.DecodeTokensPerSecond / runs[^1].Result.DecodeTokensPerSecond:F2}x, prefill {r.PrefillTokensPerSecond / runs[^1].Result.PrefillTokensPerSecond:F2}x");
        return 0;
    }

    private static ModelConfig WithLayers(ModelConfig c, int layers)
    {
        var raw = (System.Text.Json.Nodes.JsonObject)c.Raw.DeepClone();
        raw["num_hidden_layers"] = layers;
        return ModelConfig.Parse(raw.ToJsonString());
    }
}
