using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AwqSharp.Cli.Serving;

/// <summary>Writes errors as OpenAI does: a JSON body <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
internal static class ApiErrors
{
    public static Task WriteAsync(HttpContext context, ApiException error) =>
        WriteAsync(context, error.Status, error.Type, error.Message, error.Param, error.Code);

    public static async Task WriteAsync(HttpContext context, int status, string type, string message, string? param = null, string? code = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (status == StatusCodes.Status401Unauthorized) response.Headers.WWWAuthenticate = "Bearer";
        await response.Body.WriteAsync(Body(type, message, param, code), context.RequestAborted);
    }

    /// <summary>The JSON error object (also sent as an SSE event when a stream fails after it started).</summary>
    public static byte[] Body(string type, string message, string? param, string? code)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ResponseJson.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            WriteNullable(json, "param", param);
            WriteNullable(json, "code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The type and default message of a bare status code (unknown path, wrong method...).</summary>
    public static (string Type, string Message, string? Code) ForStatus(int status, HttpRequest request) => status switch
    {
        404 => ("invalid_request_error", $"Unknown request URL: {request.Method} {request.Path}", "unknown_url"),
        405 => ("invalid_request_error", $"Method {request.Method} is not allowed for {request.Path}", "method_not_allowed"),
        413 => ("invalid_request_error", "The request body is too large", "request_too_large"),
        415 => ("invalid_request_error", "Unsupported media type: send JSON", null),
        >= 500 => ("server_error", $"The server failed to answer ({status})", null),
        _ => ("invalid_request_error", $"The request failed with status {status}", null),
    };

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }
}
