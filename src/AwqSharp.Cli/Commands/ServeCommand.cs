using System.CommandLine;
using AwqSharp.Chat;
using AwqSharp.Cli.Serving;
using AwqSharp.Serving;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq serve --model DIR [--urls URL;URL] [--max-concurrency N] [--max-queue N] [--api-key KEY]`: serves the model
/// over an OpenAI-compatible HTTP API until Ctrl+C (see docs/serving.md).
/// </summary>
internal static class ServeCommand
{
    /// <summary>Read when --api-key is not given, so the key need not appear in the process list.</summary>
    public const string ApiKeyEnvironmentVariable = "AWQ_API_KEY";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var urls = new Option<string>("--urls") { Description = "addresses to listen on, separated by ';' (port 0: any free port)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var maxConcurrency = new Option<int>("--max-concurrency") { Description = "requests generating at once (decode steps are batched); more wait in a queue", DefaultValueFactory = _ => 8 };
        var maxQueue = new Option<int>("--max-queue") { Description = "requests that may wait for a slot; more get 503", DefaultValueFactory = _ => 256 };
        var apiKey = new Option<string?>("--api-key") { Description = $"require 'Authorization: Bearer KEY' on /v1 (default: ${ApiKeyEnvironmentVariable} if set)" };
        var command = new Command("serve", "serve a model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models, /health)")
        {
            model, urls, maxConcurrency, maxQueue, apiKey,
        };
        command.SetAction((pr, ct) => CliErrors.Run(() => RunAsync(pr.GetValue(model)!, pr.GetValue(urls)!, pr.GetValue(maxConcurrency), pr.GetValue(maxQueue),
            pr.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string dir, string urls, int maxConcurrency, int maxQueue, string? apiKey, CancellationToken ct)
    {
        var addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0) throw new ArgumentException("--urls names no address");
        var engineOptions = new InferenceEngineOptions { MaxConcurrency = maxConcurrency, MaxQueueLength = maxQueue };
        engineOptions.Validate();
        using var engine = InferenceEngine.Load(dir, engineOptions, ct);
        var formatter = ChatPromptFormatter.FromModelDirectory(dir, engine.Tokenizer);
        await using var server = await OpenAiServer.StartAsync(engine, formatter, new OpenAiServerOptions { Urls = addresses, ApiKey = apiKey }, ct);
        Console.WriteLine($"awq: serving {engine.ModelName} on {string.Join(", ", server.Addresses)}");
        Console.WriteLine($"awq: context {engine.ContextLength} tokens, max concurrency {maxConcurrency}, chat template: {(formatter.Template is null ? "none (messages are joined as plain text)" : "yes")}, API key: {(string.IsNullOrEmpty(apiKey) ? "none" : "required")}");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: a normal stop.
        }
        Console.WriteLine("awq: stopping");
        engine.Dispose(); // cancels what is generating, so the server stops at once
        await server.StopAsync(CancellationToken.None);
        return 0;
    }
}
