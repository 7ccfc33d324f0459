namespace AwqSharp.Serving;

/// <summary>How many requests an <see cref="InferenceEngine"/> runs at once and how many it lets wait.</summary>
public sealed record InferenceEngineOptions
{
    /// <summary>Requests generating at once (prefilling or decoding); their decode steps are batched into shared forward passes. Default 8.</summary>
    public int MaxConcurrency { get; init; } = 8;

    /// <summary>Requests that may wait for a free slot; one more is refused with <see cref="EngineBusyException"/>. Default 256.</summary>
    public int MaxQueueLength { get; init; } = 256;

    /// <exception cref="ArgumentOutOfRangeException">A limit is less than 1 (concurrency) or negative (queue).</exception>
    public void Validate()
    {
        if (MaxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "max concurrency must be at least 1");
        if (MaxQueueLength < 0) throw new ArgumentOutOfRangeException(nameof(MaxQueueLength), MaxQueueLength, "max queue length must be >= 0");
    }
}
