using Microsoft.AspNetCore.Http;

namespace AwqSharp.Cli.Serving;

/// <summary>Writes a response as server-sent events, OpenAI style: <c>data: {json}</c> events, then <c>data: [DONE]</c>.</summary>
internal sealed class ServerSentEvents(HttpResponse response)
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>Sends the headers: from here on the status is 200 and errors travel as events.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync(cancellationToken);
    }

    /// <summary>One event, flushed at once so the client sees each token as it is generated.</summary>
    public async Task WriteAsync(byte[] json, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Prefix, cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.Body.WriteAsync(Separator, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public async Task WriteDoneAsync(CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Done, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
