using System.CommandLine;
using AwqSharp.Runtime;

namespace AwqSharp.Cli.Commands;

/// <summary>`awq generate --model DIR --prompt TEXT [--max-tokens N] [--temperature T] [--seed S] ...`: streams a continuation.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var prompt = new Option<string>("--prompt", "-p") { Description = "prompt text (BOS is added as the tokenizer says)", DefaultValueFactory = _ => "" };
        var json = CommonOptions.Json();
        var sampling = new SamplingCliOptions();
        var command = new Command("generate", "generate a continuation of a prompt, streaming it to stdout") { model, prompt, json };
        sampling.AddTo(command);
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(pr.GetValue(model)!, pr.GetValue(prompt)!, sampling.Read(pr), pr.GetValue(json), ct))));
        return command;
    }

    private static int Run(string dir, string prompt, GenerationOptions options, bool json, CancellationToken ct)
    {
        var generator = ModelSession.Load(dir, ct);
        var ids = generator.EncodePrompt(prompt);
        if (ids.Length == 0)
        {
            // An empty prompt starts from BOS, as llama2.c does.
            ids = generator.Tokenizer.BosTokenId is int bos ? [bos] : throw new ArgumentException("--prompt is empty and the tokenizer has no BOS token to start from");
        }
        var stats = new GenerationStats();
        var text = new System.Text.StringBuilder();
        FinishReason finish = FinishReason.Length;
        if (!json) Console.Write(prompt);
        foreach (var chunk in generator.Generate(ids, options, ct, stats: stats))
        {
            if (!json) { Console.Write(chunk.Text); Console.Out.Flush(); }
            text.Append(chunk.Text);
            if (chunk.Finish is { } f) finish = f;
        }
        double decodeRate = stats.DecodeSeconds > 0 ? Math.Max(0, stats.CompletionTokens - 1) / stats.DecodeSeconds : 0;
        if (json)
        {
            JsonOutput.Write(new
            {
                Prompt = prompt,
                Text = text.ToString(),
                FinishReason = finish == FinishReason.Stop ? "stop" : "length",
                stats.PromptTokens,
                stats.CompletionTokens,
                PrefillTokensPerSecond = stats.PrefillSeconds > 0 ? stats.PromptTokens / stats.PrefillSeconds : 0,
                DecodeTokensPerSecond = decodeRate,
            });
        }
        else
        {
            Console.WriteLine();
            Console.Error.WriteLine($"[{stats.PromptTokens} prompt tokens in {stats.PrefillSeconds * 1000:F0} ms, {stats.CompletionTokens} generated at {decodeRate:F1} tokens/s, finish: {finish.ToString().ToLowerInvariant()}]");
        }
        return 0;
    }
}
