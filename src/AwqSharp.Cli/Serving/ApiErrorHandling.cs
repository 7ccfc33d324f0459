using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// Turns exceptions into OpenAI-shaped error responses: <see cref="ApiException"/> with its status, an oversized or
/// unreadable body as Kestrel reports it (413, 400), anything else as a logged 500. A client that went away gets nothing.
/// </summary>
internal sealed class ApiErrorHandling(ILogger logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client disconnected: its generation is cancelled, nobody is left to answer.
        }
        catch (ApiException ex) when (!context.Response.HasStarted)
        {
            await ApiErrors.WriteAsync(context, ex);
        }
        catch (OperationCanceledException) when (!context.Response.HasStarted)
        {
            // Not the client's doing: the engine shut down under the request.
            await ApiErrors.WriteAsync(context, 503, "server_error", "The server is shutting down", null, "server_shutting_down");
        }
        catch (OperationCanceledException)
        {
            // The same, mid-stream: the stream ends without [DONE].
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var (type, _, code) = ApiErrors.ForStatus(ex.StatusCode, context.Request);
            await ApiErrors.WriteAsync(context, ex.StatusCode, type, ex.Message, null, code);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            if (context.Response.HasStarted) throw;
            context.Response.Clear();
            await ApiErrors.WriteAsync(context, 500, "server_error", $"The server failed: {ex.Message}");
        }
    }
}
