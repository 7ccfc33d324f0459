namespace AwqSharp.Cli.Serving;

/// <summary>An error answered in OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c> with an HTTP status.</summary>
internal sealed class ApiException(int status, string type, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    /// <summary>400 invalid_request_error naming the offending field.</summary>
    public static ApiException Invalid(string? param, string message, string? code = null) => new(400, "invalid_request_error", message, param, code);

    /// <summary>404 model_not_found.</summary>
    public static ApiException ModelNotFound(string model) =>
        new(404, "invalid_request_error", $"The model '{model}' does not exist; this server serves one model (see GET /v1/models)", "model", "model_not_found");

    /// <summary>400 for a valid field this server does not implement.</summary>
    public static ApiException Unsupported(string param, string what) => Invalid(param, $"'{param}': {what} is not supported by this server", "unsupported_parameter");
}
