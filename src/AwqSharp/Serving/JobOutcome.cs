namespace AwqSharp.Serving;

/// <summary>Where a <see cref="GenerationJob"/> stands.</summary>
public enum JobOutcome
{
    /// <summary>Waiting for a slot, or generating.</summary>
    Pending,
    /// <summary>Generated to the end: EOS, a stop string, max_tokens or the end of the context.</summary>
    Completed,
    /// <summary>Cancelled by its caller (or the engine shut down) before the end.</summary>
    Cancelled,
    /// <summary>Ended by an error (see <see cref="GenerationJob.Error"/>).</summary>
    Failed,
}
