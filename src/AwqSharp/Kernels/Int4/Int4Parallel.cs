namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Work sharing for the INT4 kernels: items are handed out one at a time from a shared counter, so a
/// core slowed by another process just takes fewer items. Which thread computes an item never changes
/// its result (each output is reduced by one thread in a fixed order), so results are bitwise the same
/// whatever the thread count or the scheduling.
/// </summary>
internal static class Int4Parallel
{
    /// <summary>Runs <paramref name="worker"/> on up to <paramref name="threads"/> threads (the caller's included); each drains the shared queue.</summary>
    public static void Run(int items, int threads, Action<WorkQueue> worker)
    {
        var queue = new WorkQueue(items);
        int workers = Math.Min(threads, items);
        if (workers <= 1)
        {
            worker(queue);
            return;
        }
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ => worker(queue));
    }

    /// <summary>Items per work unit so that each of <paramref name="threads"/> threads gets about 8 units (never fewer than 1 item).</summary>
    public static int ItemsPerUnit(int items, int threads) => Math.Max(1, items / (8 * Math.Max(1, threads)));
}

/// <summary>A shared counter handing out items 0, 1, ..., Count - 1 once each.</summary>
internal sealed class WorkQueue(int count)
{
    private int _next = -1;

    public int Count { get; } = count;

    public bool TryTake(out int item)
    {
        item = Interlocked.Increment(ref _next);
        return item < Count;
    }
}
