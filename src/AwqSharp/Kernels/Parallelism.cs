namespace AwqSharp.Kernels;

/// <summary>
/// How many threads the kernels use. Results never depend on it: every kernel splits work so that each output
/// element is computed by the same arithmetic in the same order whatever the thread count.
/// </summary>
public static class Parallelism
{
    /// <summary>Name of the environment variable that sets the default <see cref="MaxDegreeOfParallelism"/>.</summary>
    public const string EnvironmentVariable = "AWQ_THREADS";

    private static int _maxDegree = FromEnvironment();

    /// <summary>
    /// Most threads one kernel call uses. Defaults to <c>AWQ_THREADS</c> when that holds a positive integer,
    /// otherwise <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref _maxDegree);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref _maxDegree, value);
        }
    }

    /// <summary>The degree a kernel call uses: <paramref name="requested"/> when positive, else <see cref="MaxDegreeOfParallelism"/>.</summary>
    internal static int Resolve(int requested) => requested > 0 ? requested : MaxDegreeOfParallelism;

    /// <summary>
    /// Runs <paramref name="body"/> for every index in <c>[0, count)</c> on up to <paramref name="degree"/> threads
    /// (inline on the calling thread when one suffices). Blocks until all are done.
    /// </summary>
    internal static void For(int count, int degree, Action<int> body)
    {
        if (count <= 0) return;
        if (degree <= 1 || count == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(degree, count) }, body);
    }

    /// <summary>
    /// Like <see cref="For(int, int, Action{int})"/> with one piece of per-thread state (a scratch buffer, say):
    /// <paramref name="create"/> runs once per participating thread, <paramref name="release"/> when it is done.
    /// </summary>
    internal static void For<TLocal>(int count, int degree, Func<TLocal> create, Action<int, TLocal> body, Action<TLocal> release)
    {
        if (count <= 0) return;
        if (degree <= 1 || count == 1)
        {
            var local = create();
            try
            {
                for (int i = 0; i < count; i++) body(i, local);
            }
            finally
            {
                release(local);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(degree, count) },
            create, (i, _, local) => { body((int)i, local); return local; }, release);
    }

    private static int FromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return int.TryParse(text, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }
}
