namespace AwqSharp.Cli.Commands;

/// <summary>An IProgress that reports on the calling thread, in order.</summary>
/// <remarks>
/// <see cref="Progress{T}"/> would post to the thread pool, so a progress bar could see steps late or out of order;
/// the library reports from the thread doing the work, which is where the bar wants them.
/// </remarks>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
