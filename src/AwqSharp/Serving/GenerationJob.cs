using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using AwqSharp.Runtime;

namespace AwqSharp.Serving;

/// <summary>
/// One request submitted to an <see cref="InferenceEngine"/>: read its text with <c>await foreach</c> (once); the
/// last chunk carries the finish reason. Cancelling the token given to <see cref="InferenceEngine.Submit"/>, calling
/// <see cref="Cancel"/>, or leaving the <c>await foreach</c> early stops the generation at the next decode step;
/// reading then ends with <see cref="OperationCanceledException"/>. The engine never waits for a slow reader.
/// </summary>
public sealed class GenerationJob : IAsyncEnumerable<GenerationChunk>
{
    private readonly Channel<GenerationChunk> _chunks = Channel.CreateUnbounded<GenerationChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _cancel = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _onCancel;
    private CancellationTokenRegistration _callerRegistration;
    private int _state; // 0 pending, 1 done
    private int _enumerated;

    internal GenerationJob(long id, int[] promptIds, GenerationOptions options, Action onCancel)
    {
        Id = id;
        PromptIds = promptIds;
        Options = options;
        _onCancel = onCancel;
    }

    /// <summary>Engine-wide sequence number of the request.</summary>
    public long Id { get; }

    /// <summary>The prompt's token ids.</summary>
    public int[] PromptIds { get; }

    /// <summary>The options the request runs with.</summary>
    public GenerationOptions Options { get; }

    /// <summary>Token counts and timings, filled in as the request runs.</summary>
    public GenerationStats Stats { get; } = new();

    /// <summary>Pending until the engine is done with the request.</summary>
    public JobOutcome Outcome { get; private set; }

    /// <summary>Why the request failed (<see cref="JobOutcome.Failed"/>), else null.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Why generation ended, once it ended normally.</summary>
    public FinishReason? Finish { get; private set; }

    /// <summary>Completes (never faults) when the engine is done with the request, whatever the outcome.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Asks the engine to stop this request; harmless once it has ended.</summary>
    public void Cancel()
    {
        if (Volatile.Read(ref _state) != 0) return;
        try { _cancel.Cancel(); } catch (ObjectDisposedException) { }
        _onCancel();
    }

    /// <summary>Streams the generated chunks. A job can be read once.</summary>
    /// <exception cref="InvalidOperationException">The job is already being read.</exception>
    public async IAsyncEnumerator<GenerationChunk> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0) throw new InvalidOperationException("a generation job can be read only once");
        bool sawEnd = false;
        try
        {
            var reader = _chunks.Reader;
            while (await WaitToReadAsync(reader, cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var chunk))
                {
                    if (chunk.Finish is not null) sawEnd = true;
                    yield return chunk;
                }
            }
        }
        finally
        {
            // A reader that stops early does not want the rest: free the slot.
            if (!sawEnd) Cancel();
        }
    }

    private static async ValueTask<bool> WaitToReadAsync(ChannelReader<GenerationChunk> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    internal CancellationToken Token => _cancel.Token;

    internal bool IsCancellationRequested => _cancel.IsCancellationRequested;

    /// <summary>Set by the engine when the job gets a slot.</summary>
    internal bool Admitted { get; set; }

    internal KvCache? Cache { get; set; }

    /// <summary>Logits after the prompt, handed from the prefill task to the decode loop.</summary>
    internal float[]? PrefillLogits { get; set; }

    internal Exception? PrefillError { get; set; }

    internal Task? PrefillTask { get; set; }

    internal DecodingSequence? Sequence { get; set; }

    internal Stopwatch DecodeClock { get; } = new();

    internal void WatchCaller(CancellationToken callerToken) => _callerRegistration = callerToken.Register(static j => ((GenerationJob)j!).Cancel(), this);

    internal void Emit(GenerationChunk chunk)
    {
        if (chunk.Finish is { } f) Finish = f;
        _chunks.Writer.TryWrite(chunk);
    }

    /// <summary>
    /// Ends the job once (false when it had already ended). <paramref name="beforeSignal"/> runs after the outcome is
    /// set and before readers and <see cref="Completion"/> see the end, so whoever awaits the job sees the engine's
    /// counters and <see cref="InferenceEngine.JobFinished"/> observers already updated.
    /// </summary>
    internal bool TryEnd(JobOutcome outcome, Exception? error, Action beforeSignal)
    {
        if (Interlocked.Exchange(ref _state, 1) != 0) return false;
        Outcome = outcome;
        Error = error;
        Cache = null;
        PrefillLogits = null;
        Sequence = null;
        _callerRegistration.Dispose();
        beforeSignal();
        _chunks.Writer.TryComplete(outcome switch
        {
            JobOutcome.Completed => null,
            JobOutcome.Cancelled => new OperationCanceledException("the generation was cancelled", _cancel.Token),
            _ => error ?? new AwqException("the generation failed"),
        });
        _completion.TrySetResult();
        return true;
    }
}
