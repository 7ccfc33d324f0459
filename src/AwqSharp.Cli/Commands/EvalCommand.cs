using System.CommandLine;
using AwqSharp.Tokenization;

namespace AwqSharp.Cli.Commands;

/// <summary>`awq eval --model DIR --data FILE [--seqlen 2048] [--max-windows K] [--json]`: perplexity, as the AWQ/GPTQ papers measure it.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("model directory (full-precision or quantized)");
        var data = new Option<string>("--data") { Description = "text file to score (e.g. wiki.test.raw or wiki.test.joined.txt)", Required = true };
        var seqLen = new Option<int>("--seqlen") { Description = "window length (capped at max_position_embeddings)", DefaultValueFactory = _ => 2048 };
        var maxWindows = new Option<int?>("--max-windows") { Description = "score only the first K windows" };
        var json = CommonOptions.Json();
        var command = new Command("eval", "measure perplexity on a text file (non-overlapping windows, mean NLL of every predicted token)")
        {
            model, data, seqLen, maxWindows, json,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(pr.GetValue(model)!, pr.GetValue(data)!, pr.GetValue(seqLen), pr.GetValue(maxWindows), pr.GetValue(json), ct))));
        return command;
    }

    private static int Run(string dir, string dataPath, int seqLen, int? maxWindows, bool json, CancellationToken ct)
    {
        var options = PipelineSteps.PerplexityOptions(seqLen, maxWindows);
        var tokens = PipelineSteps.EvaluationTokens(dataPath, TextTokenizer.Load(dir));
        var result = PipelineSteps.Perplexity("eval", dir, tokens, options, ct);
        if (json)
        {
            JsonOutput.Write(new
            {
                Model = Path.GetFullPath(dir),
                Data = Path.GetFullPath(dataPath),
                result.Perplexity,
                result.MeanNll,
                result.SeqLen,
                result.Windows,
                result.Tokens,
                result.PredictedTokens,
                TextTokens = tokens.Length,
                result.Seconds,
                result.TokensPerSecond,
            });
        }
        else
        {
            Console.WriteLine($"perplexity {result.Perplexity:F4} over {result.Windows} windows of {result.SeqLen} tokens ({result.PredictedTokens:N0} predicted; text has {tokens.Length:N0} tokens)");
            Console.WriteLine($"{result.Seconds:F1} s, {result.TokensPerSecond:F0} tokens/s");
        }
        return 0;
    }
}
