namespace AwqSharp.Runtime;

/// <summary>How much to generate and when to stop.</summary>
public sealed record GenerationOptions
{
    public int MaxTokens { get; init; } = 256;
    public SamplingOptions Sampling { get; init; } = new();
    /// <summary>Generation stops when the text contains one of these; the stop string itself is not returned.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>Stop at the tokenizer's end-of-sequence token(s).</summary>
    public bool StopOnEos { get; init; } = true;

    public void Validate()
    {
        if (MaxTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "max_tokens must be >= 0");
        Sampling.Validate();
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new ArgumentException("stop strings must not be empty", nameof(StopStrings));
    }
}

/// <summary>Why generation ended (OpenAI's finish_reason).</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence token or a stop string.</summary>
    Stop,
    /// <summary>max_tokens, or the context window, reached.</summary>
    Length,
}

/// <summary>One step of streamed output: the new text (may be empty while a multi-byte character or a possible stop string is held back).</summary>
public sealed record GenerationChunk(string Text, int? TokenId, FinishReason? Finish = null);

/// <summary>The whole of a finished generation.</summary>
public sealed record GenerationResult(string Text, int PromptTokens, int CompletionTokens, FinishReason Finish, double PrefillSeconds, double DecodeSeconds)
{
    public double DecodeTokensPerSecond => DecodeSeconds > 0 ? Math.Max(0, CompletionTokens - 1) / DecodeSeconds : 0;
    public double PrefillTokensPerSecond => PrefillSeconds > 0 ? PromptTokens / PrefillSeconds : 0;
}
