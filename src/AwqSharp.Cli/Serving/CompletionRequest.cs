using TemplateMessage = AwqSharp.Tokenization.Templates.ChatMessage;

namespace AwqSharp.Cli.Serving;

/// <summary>Which OpenAI endpoint a request came to.</summary>
internal enum EndpointKind
{
    /// <summary>POST /v1/chat/completions: messages in, an assistant message out.</summary>
    Chat,
    /// <summary>POST /v1/completions: a prompt in, its continuation out.</summary>
    Completion,
}

/// <summary>A validated completion request: exactly the fields this server acts on, each in range.</summary>
internal sealed record CompletionRequest
{
    public required EndpointKind Kind { get; init; }
    /// <summary>The "model" field, or null when the client sent none (then the served model is meant).</summary>
    public string? Model { get; init; }
    /// <summary>Chat: the conversation.</summary>
    public IReadOnlyList<TemplateMessage>? Messages { get; init; }
    /// <summary>Completions: the prompt as text...</summary>
    public string? PromptText { get; init; }
    /// <summary>...or as token ids.</summary>
    public int[]? PromptIds { get; init; }
    /// <summary>max_tokens (or max_completion_tokens); null: up to the end of the context.</summary>
    public int? MaxTokens { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public int? TopK { get; init; }
    public float? MinP { get; init; }
    public float? RepetitionPenalty { get; init; }
    public ulong? Seed { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
    public bool Stream { get; init; }
    /// <summary>stream_options.include_usage: a last chunk with the token counts.</summary>
    public bool IncludeUsage { get; init; }
    /// <summary>Extension (as llama.cpp's server): keep generating past the end-of-sequence token.</summary>
    public bool IgnoreEos { get; init; }
}
