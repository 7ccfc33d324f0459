namespace AwqSharp.Cli.Serving;

/// <summary>Where `awq serve` listens and who may call it.</summary>
internal sealed record OpenAiServerOptions
{
    /// <summary>Addresses to listen on (Kestrel URLs; port 0 picks a free port).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8080"];

    /// <summary>When set, /v1 requests must send <c>Authorization: Bearer</c> this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Largest request body accepted (413 above it).</summary>
    public long MaxRequestBodyBytes { get; init; } = 16 << 20;

    /// <summary>Write Kestrel's and the server's log lines (warnings and errors) to stderr.</summary>
    public bool Log { get; init; } = true;
}
