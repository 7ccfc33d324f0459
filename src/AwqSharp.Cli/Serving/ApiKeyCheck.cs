using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// With an API key set, every /v1 request must carry <c>Authorization: Bearer KEY</c> (compared in constant time);
/// otherwise 401 invalid_api_key. GET /health stays open for load balancers and probes.
/// </summary>
internal sealed class ApiKeyCheck(string apiKey)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(apiKey);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        string? header = context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            await ApiErrors.WriteAsync(context, 401, "invalid_request_error",
                "You didn't provide an API key. Send it in an Authorization header: 'Authorization: Bearer YOUR_KEY'", null, "invalid_api_key");
            return;
        }
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key))
        {
            await ApiErrors.WriteAsync(context, 401, "invalid_request_error", "Incorrect API key provided", null, "invalid_api_key");
            return;
        }
        await next(context);
    }
}
