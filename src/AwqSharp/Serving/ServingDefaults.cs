namespace AwqSharp.Serving;

/// <summary>
/// The sampling a request gets for what it leaves out, as OpenAI's API documents it: temperature 1, top_p 1, no
/// top-k or min-p, no repetition penalty, a fresh random seed (so only a request that sets a seed is reproducible),
/// and max_tokens up to the end of the context window (<see cref="InferenceEngine.DefaultMaxTokens"/>).
/// Shared by the HTTP server and <see cref="Chat.AwqChatClient"/>.
/// </summary>
public static class ServingDefaults
{
    public const float Temperature = 1f;
    public const float TopP = 1f;

    /// <summary>A random seed for a request that sets none.</summary>
    public static ulong NewSeed() => (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
}
