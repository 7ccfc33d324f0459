namespace AwqSharp.Serving;

/// <summary>A prompt that does not fit the model's context window (OpenAI's <c>context_length_exceeded</c>).</summary>
public sealed class ContextLengthExceededException : AwqException
{
    public ContextLengthExceededException(int promptTokens, int contextLength)
        : base($"the prompt has {promptTokens} tokens but the model's context window is {contextLength} tokens, and at least one must be left to generate")
    {
        PromptTokens = promptTokens;
        ContextLength = contextLength;
    }

    /// <summary>Tokens in the rejected prompt.</summary>
    public int PromptTokens { get; }

    /// <summary>The model's context window (max_position_embeddings).</summary>
    public int ContextLength { get; }
}

/// <summary>The engine's queue is full: the request was refused rather than left waiting without bound.</summary>
public sealed class EngineBusyException : AwqException
{
    public EngineBusyException(int queued)
        : base($"the server is busy: {queued} requests are already waiting; try again later")
    {
        Queued = queued;
    }

    /// <summary>Requests that were waiting when this one was refused.</summary>
    public int Queued { get; }
}
