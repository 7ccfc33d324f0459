using System.Text;
using System.Text.Json;
using AwqSharp.Chat;
using AwqSharp.Runtime;
using AwqSharp.Serving;
using AwqSharp.Tokenization.Templates;
using Microsoft.AspNetCore.Http;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// POST /v1/chat/completions and /v1/completions: validate, build the prompt, submit it to the engine, then answer
/// with one JSON object or a stream of server-sent events. The generation is tied to the request: a client that
/// disconnects cancels it.
/// </summary>
internal sealed class CompletionEndpoint(InferenceEngine engine, ChatPromptFormatter formatter, EndpointKind kind)
{
    public async Task HandleAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var request = CompletionRequestParser.Parse(await ReadBodyAsync(context.Request, aborted), kind);
        if (request.Model is { } model && !string.Equals(model, engine.ModelName, StringComparison.Ordinal))
            throw ApiException.ModelNotFound(model);
        int[] prompt = BuildPrompt(request);
        var options = ToGenerationOptions(request, prompt.Length);
        GenerationJob job;
        try
        {
            job = engine.Submit(prompt, options, aborted);
        }
        catch (ContextLengthExceededException ex)
        {
            string field = kind == EndpointKind.Chat ? "messages" : "prompt";
            throw ApiException.Invalid(field,
                $"This model's maximum context length is {ex.ContextLength} tokens, and your {field} came to {ex.PromptTokens} tokens; at least one must be left to generate",
                "context_length_exceeded");
        }
        catch (ArgumentException ex)
        {
            // What only the engine can check, e.g. token ids beyond the model's vocabulary.
            bool aboutPrompt = ex.ParamName == "promptIds";
            string message = ex.ParamName is null ? ex.Message : ex.Message.Replace($" (Parameter '{ex.ParamName}')", "");
            throw ApiException.Invalid(aboutPrompt ? "prompt" : null, aboutPrompt ? $"'prompt': {message}" : message);
        }
        catch (EngineBusyException ex)
        {
            context.Response.Headers.RetryAfter = "1";
            throw new ApiException(503, "server_error", ex.Message, null, "server_busy");
        }
        catch (ObjectDisposedException)
        {
            throw new ApiException(503, "server_error", "The server is shutting down", null, "server_shutting_down");
        }

        var response = new ResponseJson(kind, engine.ModelName, request.IncludeUsage);
        if (request.Stream) await StreamAsync(context, job, response, request.IncludeUsage, aborted);
        else await AnswerAsync(context, job, response, aborted);
    }

    /// <summary>Reads the body as JSON; malformed JSON is a 400.</summary>
    private static async Task<JsonElement> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ApiException.Invalid(null, $"The request body is not valid JSON: {ex.Message}");
        }
    }

    private int[] BuildPrompt(CompletionRequest request)
    {
        if (request.PromptIds is { } ids) return ids;
        if (kind == EndpointKind.Chat)
        {
            try
            {
                return formatter.Encode(request.Messages!);
            }
            catch (TemplateException ex)
            {
                throw ApiException.Invalid("messages", $"The model's chat template refused the conversation: {ex.Message}");
            }
        }
        var tokens = engine.Tokenizer.Encode(request.PromptText!, addSpecialTokens: true);
        if (tokens.Length > 0) return tokens;
        // An empty prompt starts from BOS, as `awq generate` and llama2.c do.
        return engine.Tokenizer.BosTokenId is int bos ? [bos] : throw ApiException.Invalid("prompt", "'prompt' is empty and the model's tokenizer has no BOS token to start from");
    }

    private GenerationOptions ToGenerationOptions(CompletionRequest request, int promptTokens) => new()
    {
        MaxTokens = request.MaxTokens ?? engine.DefaultMaxTokens(promptTokens),
        StopStrings = request.Stop,
        StopOnEos = !request.IgnoreEos,
        Sampling = new SamplingOptions
        {
            Temperature = request.Temperature ?? ServingDefaults.Temperature,
            TopP = request.TopP ?? ServingDefaults.TopP,
            TopK = request.TopK ?? 0,
            MinP = request.MinP ?? 0,
            RepetitionPenalty = request.RepetitionPenalty ?? 1,
            Seed = request.Seed ?? ServingDefaults.NewSeed(),
        },
    };

    private static async Task AnswerAsync(HttpContext context, GenerationJob job, ResponseJson response, CancellationToken aborted)
    {
        var text = new StringBuilder();
        FinishReason finish = FinishReason.Length;
        await foreach (var chunk in job.WithCancellation(aborted))
        {
            text.Append(chunk.Text);
            if (chunk.Finish is { } f) finish = f;
        }
        var body = response.Complete(text.ToString(), finish, job.PromptIds.Length, job.Stats.CompletionTokens);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, aborted);
    }

    private async Task StreamAsync(HttpContext context, GenerationJob job, ResponseJson response, bool includeUsage, CancellationToken aborted)
    {
        var events = new ServerSentEvents(context.Response);
        await using var reading = job.WithCancellation(aborted).GetAsyncEnumerator();
        await events.StartAsync(aborted);
        if (kind == EndpointKind.Chat) await events.WriteAsync(response.RoleChunk(), aborted);
        while (true)
        {
            GenerationChunk chunk;
            try
            {
                if (!await reading.MoveNextAsync()) break;
                chunk = reading.Current;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The generation failed after the status line went out: report it as an event and end the stream.
                await events.WriteAsync(ApiErrors.Body("server_error", $"generation failed: {ex.Message}", null, null), aborted);
                return;
            }
            if (chunk.Text.Length > 0) await events.WriteAsync(response.Chunk(chunk.Text, null), aborted);
            if (chunk.Finish is { } finish) await events.WriteAsync(response.Chunk("", finish), aborted);
        }
        if (includeUsage) await events.WriteAsync(response.UsageChunk(job.PromptIds.Length, job.Stats.CompletionTokens), aborted);
        await events.WriteDoneAsync(aborted);
    }
}
