using AwqSharp.Chat;
using AwqSharp.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// The OpenAI-compatible HTTP server of `awq serve` (ASP.NET Core minimal API on Kestrel) over an
/// <see cref="InferenceEngine"/>: GET /health, GET /v1/models, GET /v1/models/{id}, POST /v1/chat/completions,
/// POST /v1/completions. Errors, including unknown paths and wrong methods, answer in OpenAI's JSON error shape.
/// </summary>
internal sealed class OpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OpenAiServer(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    /// <summary>The addresses the server listens on (with the real port when port 0 was asked for).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Builds the app and starts listening; returns once requests are accepted.</summary>
    /// <exception cref="IOException">An address cannot be bound (e.g. the port is in use).</exception>
    public static async Task<OpenAiServer> StartAsync(InferenceEngine engine, ChatPromptFormatter formatter, OpenAiServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(formatter);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (options.Log)
        {
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None); // a failed start is reported once, by the caller
        }
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>(); // the CLI command owns Ctrl+C
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
        });

        var app = builder.Build();
        var errors = new ApiErrorHandling(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("awq.serve"));
        app.Use(errors.InvokeAsync);
        app.UseStatusCodePages(async status =>
        {
            var http = status.HttpContext;
            var (type, message, code) = ApiErrors.ForStatus(http.Response.StatusCode, http.Request);
            await ApiErrors.WriteAsync(http, http.Response.StatusCode, type, message, null, code);
        });
        if (!string.IsNullOrEmpty(options.ApiKey)) app.Use(new ApiKeyCheck(options.ApiKey).InvokeAsync);
        MapEndpoints(app, engine, formatter);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return new OpenAiServer(app, [.. bound.Select(a => new Uri(a))]);
    }

    private static void MapEndpoints(WebApplication app, InferenceEngine engine, ChatPromptFormatter formatter)
    {
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        object ModelCard() => new { id = engine.ModelName, @object = "model", created, owned_by = "awqsharp", max_model_len = engine.ContextLength };

        app.MapGet("/health", () =>
        {
            var counters = engine.Counters;
            return Results.Json(new { status = "ok", model = engine.ModelName, running = counters.Running, queued = counters.Queued });
        });
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { ModelCard() } }));
        app.MapGet("/v1/models/{id}", (string id) =>
            id == engine.ModelName ? Results.Json(ModelCard()) : throw ApiException.ModelNotFound(id));
        var chat = new CompletionEndpoint(engine, formatter, EndpointKind.Chat);
        var completions = new CompletionEndpoint(engine, formatter, EndpointKind.Completion);
        app.MapPost("/v1/chat/completions", chat.HandleAsync);
        app.MapPost("/v1/completions", completions.HandleAsync);
    }

    /// <summary>Stops accepting requests and ends the ones in flight (after at most 5 s).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A host lifetime that leaves Ctrl+C and SIGTERM to the command that runs the server.</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
