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
        var rounds = new Option<int>("--rounds") { Description = "run every model this many times, interleaved, and report medians (keeps all models in memory)", DefaultValueFactory = _ => 1 };
        var bandwidthBytes = new Option<long>("--bandwidth-bytes") { Description = "buffer size of the bandwidth measurement", DefaultValueFactory = _ => MemoryBandwidth.DefaultBufferBytes };
        var json = CommonOptions.Json();
        var command = new Command("bench", "measure prefill/decode speed against the memory-bandwidth roofline")
        {
            model, synthetic, dtype, lmHead, layers, group, prompt, gen, rounds, bandwidthBytes, json,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(pr.GetValue(model), pr.GetValue(synthetic), pr.GetValue(dtype)!, pr.GetValue(lmHead)!,
            pr.GetValue(layers), pr.GetValue(group), pr.GetValue(prompt), pr.GetValue(gen), pr.GetValue(rounds), pr.GetValue(bandwidthBytes), pr.GetValue(json), ct))));
        return command;
    }

    private static int Run(string? dir, string? shape, string dtypes, string lmHead, int? layers, int group, int prompt, int gen, int rounds, long bwBytes,
        bool json, CancellationToken ct)
    {
        if ((dir is null) == (shape is null)) throw new ArgumentException("give exactly one of --model DIR or --synthetic SHAPE");
        if (lmHead is not ("fp16" or "fp32")) throw new ArgumentException($"--int4-lm-head '{lmHead}': use fp16 or fp32");
        if (rounds < 1) throw new ArgumentException($"--rounds {rounds}: must be at least 1");
        var builders = new List<(string Name, Func<LlamaModel> Build)>();
        if (dir is not null)
        {
            builders.Add((Path.GetFileName(Path.GetFullPath(dir)), () => LlamaModel.Load(dir, cancellationToken: ct, dense: DenseStorage.KeepHalf)));
        }
        else
        {
            var config = SyntheticModel.Shape(shape!);
            if (layers is int n) config = WithLayers(config, n);
            foreach (var d in dtypes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                Func<LlamaModel> build = d switch
                {
                    "int4" => () => SyntheticQuantizedModel.CreateInt4(config, group, halfLmHead: lmHead == "fp16"),
                    "fp16" => () => SyntheticQuantizedModel.CreateFloat16(config),
                    "fp32" => () => SyntheticQuantizedModel.CreateFloat32(config),
                    _ => throw new ArgumentException($"--dtype '{d}': use int4, fp16, fp32 or a list such as int4,fp32"),
                };
                builders.Add((d, () =>
                {
                    Console.Error.WriteLine($"building {shape} ({config.NumLayers} layers) with {d} weights...");
                    return build();
                }));
            }
        }

        // One round runs every model once. With several rounds all the models are kept in memory and the rounds
        // interleave them, so a slow spell of this machine (another process, a neighbour on the host) hits every model
        // alike; the figures are medians over rounds. The memory bandwidth of a shared host drifts too (seen here:
        // 38 to 52 GB/s within an hour), so it is measured between runs (the one after a run is the next run's one
        // before), and each run's roofline fraction is taken against the mean of the two around it.
        var models = rounds > 1 ? builders.Select(b => (LlamaModel?)b.Build()).ToArray() : new LlamaModel?[builders.Count];
        var results = builders.Select(_ => new List<InferenceBenchmarkResult>()).ToArray();
        var available = builders.Select(_ => new List<double>()).ToArray();
        double? previous = null;
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < builders.Count; i++)
            {
                var model = models[i] ?? builders[i].Build();
                Console.Error.WriteLine($"{(rounds > 1 ? $"round {round + 1}/{rounds}: " : "")}running {builders[i].Name}: {prompt} prompt tokens, {gen} decode steps...");
                double before = previous ?? MemoryBandwidth.MeasureReadGBps(bwBytes, cancellationToken: ct);
                results[i].Add(InferenceBenchmark.Run(model, prompt, gen, cancellationToken: ct));
                double after = MemoryBandwidth.MeasureReadGBps(bwBytes, cancellationToken: ct);
                available[i].Add((before + after) / 2);
                previous = after;
                if (rounds == 1) GC.Collect(); // the model is dropped before the next is built
            }
        }

        double bandwidth = Median(available.SelectMany(a => a));
        var runs = builders.Select((b, i) => (b.Name, Decode: Median(results[i].Select(r => r.DecodeTokensPerSecond)),
            Prefill: Median(results[i].Select(r => r.PrefillTokensPerSecond)), Bytes: results[i][0].WeightBytesPerToken, Rounds: results[i],
            Bandwidth: Median(available[i]),
            Fraction: Median(results[i].Select((r, k) => r.DecodeGBps / available[i][k])))).ToList();
        // Ratios to the last model, per round (measured minutes apart at most), then the median.
        var ratios = runs.SkipLast(1).Select((r, i) => (r.Name,
            Decode: Median(Enumerable.Range(0, rounds).Select(k => results[i][k].DecodeTokensPerSecond / results[^1][k].DecodeTokensPerSecond)),
            Prefill: Median(Enumerable.Range(0, rounds).Select(k => results[i][k].PrefillTokensPerSecond / results[^1][k].PrefillTokensPerSecond)))).ToList();

        if (json)
        {
            JsonOutput.Write(new
            {
                Model = dir ?? shape,
                Rounds = rounds,
                BandwidthGbps = bandwidth,
                Runs = runs.Select(r => new
                {
                    Dtype = r.Name,
                    PromptTokens = prompt,
                    GeneratedTokens = gen,
                    PrefillTokensPerSecond = r.Prefill,
                    DecodeTokensPerSecond = r.Decode,
                    WeightBytesPerToken = r.Bytes,
                    DecodeGBps = r.Decode * r.Bytes / 1e9,
                    BandwidthGbps = r.Bandwidth,
                    RooflineTokensPerSecond = r.Bandwidth * 1e9 / r.Bytes,
                    RooflineFraction = r.Fraction,
                    DecodeTokensPerSecondByRound = r.Rounds.Select(x => x.DecodeTokensPerSecond).ToArray(),
                }).ToArray(),
                // Each run's speed over the last run's (the baseline: fp32 in the default int4,fp32).
                Baseline = runs.Count >= 2 ? runs[^1].Name : null,
                DecodeRatio = runs.Count == 2 ? ratios[0].Decode : (double?)null,
                PrefillRatio = runs.Count == 2 ? ratios[0].Prefill : (double?)null,
                Ratios = runs.Count >= 2 ? ratios.Select(r => new { Dtype = r.Name, r.Decode, r.Prefill }).ToArray() : null,
            });
            return 0;
        }
        var table = new Table().AddColumns("weights", "prefill tok/s", "decode tok/s", "MB/tok", "GB/s", "bw GB/s", "roofline tok/s", "of roofline");
        foreach (var r in runs)
            table.AddRow(r.Name, r.Prefill.ToString("F1"), r.Decode.ToString("F2"), (r.Bytes / 1e6).ToString("F0"),
                (r.Decode * r.Bytes / 1e9).ToString("F1"), r.Bandwidth.ToString("F1"), (r.Bandwidth * 1e9 / r.Bytes).ToString("F2"), r.Fraction.ToString("P0"));
        AnsiConsole.Write(table);
        Console.WriteLine($"GB/s: weight bytes read per second while decoding; bw: memory read bandwidth (all threads) measured before and after each run{(rounds > 1 ? $"; medians of {rounds} rounds" : "")}");
        foreach (var r in ratios)
            Console.WriteLine($"{r.Name} / {runs[^1].Name}: decode {r.Decode:F2}x, prefill {r.Prefill:F2}x");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static ModelConfig WithLayers(ModelConfig c, int layers)
    {
        var raw = (System.Text.Json.Nodes.JsonObject)c.Raw.DeepClone();
        raw["num_hidden_layers"] = layers;
        return ModelConfig.Parse(raw.ToJsonString());
    }
}
