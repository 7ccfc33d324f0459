using System.Collections.Concurrent;
using System.Diagnostics;
using AwqSharp.Models;
using AwqSharp.Runtime;
using AwqSharp.Tokenization;

namespace AwqSharp.Serving;

/// <summary>
/// Serves one model to many concurrent requests. Each request has its own KV cache and sampler; up to
/// <see cref="InferenceEngineOptions.MaxConcurrency"/> run at once, the rest wait in a FIFO queue. Prompts are
/// prefilled on worker threads, and one loop advances every decoding request by one token per step with a single
/// batched forward pass (continuous batching: requests join and leave between steps).
/// </summary>
/// <remarks>
/// A request's text depends only on its prompt and options, never on what else runs: the forward pass is
/// deterministic whatever the thread count, and a decode pass takes at most <see cref="MaxRowsPerForward"/> rows,
/// so every row goes through a kernel whose result for one row does not depend on the other rows (see
/// <see cref="DecodeBatchLimit"/>); more sequences take several passes per step. The same seed therefore gives the
/// same text as <see cref="TextGenerator"/> running it alone.
/// </remarks>
public sealed class InferenceEngine : IDisposable, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly LinkedList<GenerationJob> _queue = new();
    private readonly HashSet<GenerationJob> _prefilling = [];
    private readonly ConcurrentQueue<GenerationJob> _prefilled = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Thread _loop;
    private float[] _logits = [];
    private long _nextId, _completed, _cancelled, _failed, _generatedTokens, _decodeSteps;
    private int _running, _peakBatch;
    private bool _disposed;

    /// <param name="model">The model; shared read-only by every request.</param>
    /// <param name="tokenizer">Its tokenizer (decodes the output, names the EOS tokens).</param>
    /// <param name="modelName">The name clients use for the model (the OpenAI "model" field).</param>
    /// <param name="options">Concurrency and queue limits.</param>
    public InferenceEngine(LlamaModel model, TextTokenizer tokenizer, string modelName, InferenceEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        options ??= new InferenceEngineOptions();
        options.Validate();
        Model = model;
        Tokenizer = tokenizer;
        ModelName = modelName;
        Options = options;
        MaxRowsPerForward = DecodeBatchLimit.For(model);
        _loop = new Thread(RunLoop) { IsBackground = true, Name = $"awq-engine {modelName}" };
        _loop.Start();
    }

    /// <summary>Loads a model directory (weights and tokenizer); the model is named after the directory.</summary>
    /// <exception cref="InvalidModelFileException">A file is missing or malformed.</exception>
    public static InferenceEngine Load(string modelDirectory, InferenceEngineOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        var tokenizer = TextTokenizer.Load(modelDirectory);
        var model = LlamaModel.Load(modelDirectory, cancellationToken: cancellationToken, dense: DenseStorage.KeepHalf);
        return new InferenceEngine(model, tokenizer, NameOf(modelDirectory), options);
    }

    /// <summary>The name of a model directory: its last path component.</summary>
    public static string NameOf(string modelDirectory) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)));

    public LlamaModel Model { get; }
    public TextTokenizer Tokenizer { get; }
    public string ModelName { get; }
    public InferenceEngineOptions Options { get; }

    /// <summary>Sequences one decode forward pass takes (see <see cref="DecodeBatchLimit"/>).</summary>
    public int MaxRowsPerForward { get; }

    /// <summary>The context window: prompt and generated tokens together never exceed it.</summary>
    public int ContextLength => Model.Config.MaxPositionEmbeddings;

    /// <summary>
    /// Raised when a request ends, whatever the outcome, before its readers and <see cref="GenerationJob.Completion"/>
    /// see the end; usually on the engine's loop thread, so keep handlers short.
    /// </summary>
    public event EventHandler<GenerationJob>? JobFinished;

    /// <summary>What the engine is doing now and has done.</summary>
    public EngineCounters Counters
    {
        get
        {
            lock (_gate)
                return new EngineCounters(_queue.Count, _running, _completed, _cancelled, _failed, _generatedTokens, _decodeSteps, _peakBatch);
        }
    }

    /// <summary>max_tokens for a request that sets none: the rest of the context window.</summary>
    public int DefaultMaxTokens(int promptTokens) => Math.Max(1, ContextLength - promptTokens);

    /// <summary>
    /// Queues a request and returns at once; read the text from the returned job. Errors in the request are
    /// reported here, before anything runs.
    /// </summary>
    /// <param name="promptIds">The prompt's token ids (at least one, fewer than <see cref="ContextLength"/>).</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="cancellationToken">Stops the generation (e.g. the client disconnected).</param>
    /// <exception cref="ArgumentException">The prompt is empty, holds an id outside the vocabulary, or the options are invalid.</exception>
    /// <exception cref="ContextLengthExceededException">The prompt leaves no room to generate.</exception>
    /// <exception cref="EngineBusyException">All slots are busy and the queue is full.</exception>
    /// <exception cref="ObjectDisposedException">The engine has been disposed.</exception>
    public GenerationJob Submit(int[] promptIds, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (promptIds.Length == 0) throw new ArgumentException("the prompt has no tokens", nameof(promptIds));
        int vocab = Model.Config.VocabSize;
        for (int i = 0; i < promptIds.Length; i++)
            if ((uint)promptIds[i] >= (uint)vocab)
                throw new ArgumentException($"token id {promptIds[i]} at position {i} is outside the vocabulary (0..{vocab - 1})", nameof(promptIds));
        if (promptIds.Length >= ContextLength) throw new ContextLengthExceededException(promptIds.Length, ContextLength);

        var job = new GenerationJob(Interlocked.Increment(ref _nextId), promptIds.ToArray(), options, Wake);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running + _queue.Count >= Options.MaxConcurrency + Options.MaxQueueLength) throw new EngineBusyException(_queue.Count);
            _queue.AddLast(job);
        }
        job.WatchCaller(cancellationToken);
        Wake();
        return job;
    }

    /// <summary>Runs a request to the end and returns its whole text.</summary>
    public async Task<GenerationResult> CompleteAsync(int[] promptIds, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        var job = Submit(promptIds, options, cancellationToken);
        var text = new System.Text.StringBuilder();
        FinishReason finish = FinishReason.Length;
        await foreach (var chunk in job.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            text.Append(chunk.Text);
            if (chunk.Finish is { } f) finish = f;
        }
        return new GenerationResult(text.ToString(), promptIds.Length, job.Stats.CompletionTokens, finish, job.Stats.PrefillSeconds, job.Stats.DecodeSeconds);
    }

    private void Wake()
    {
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    private void RunLoop()
    {
        var decoding = new List<GenerationJob>();
        var stop = _shutdown.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                AdmitWaiting();
                while (_prefilled.TryDequeue(out var ready)) StartDecoding(ready, decoding);
                decoding.RemoveAll(job =>
                {
                    if (!job.IsCancellationRequested) return false;
                    End(job, JobOutcome.Cancelled, null);
                    return true;
                });
                if (decoding.Count == 0)
                {
                    _wake.Wait(stop);
                    continue;
                }
                Step(decoding);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A bug must not stop the server: fail what was running and go on.
                foreach (var job in decoding) End(job, JobOutcome.Failed, ex);
                decoding.Clear();
            }
        }
        foreach (var job in decoding) End(job, JobOutcome.Cancelled, null);
    }

    /// <summary>Drops cancelled waiting requests and starts the prefill of as many as there are free slots.</summary>
    private void AdmitWaiting()
    {
        List<GenerationJob>? cancelled = null, admitted = null;
        lock (_gate)
        {
            for (var node = _queue.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.IsCancellationRequested) { _queue.Remove(node); (cancelled ??= []).Add(node.Value); }
                node = next;
            }
            while (_running < Options.MaxConcurrency && _queue.First is { } first)
            {
                _queue.RemoveFirst();
                _running++;
                first.Value.Admitted = true;
                _prefilling.Add(first.Value);
                (admitted ??= []).Add(first.Value);
            }
        }
        if (cancelled is not null) foreach (var job in cancelled) End(job, JobOutcome.Cancelled, null);
        if (admitted is not null) foreach (var job in admitted) job.PrefillTask = Task.Run(() => Prefill(job));
    }

    /// <summary>Runs the prompt through the model into the request's own cache (on a worker thread).</summary>
    private void Prefill(GenerationJob job)
    {
        try
        {
            job.Token.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            int prompt = job.PromptIds.Length;
            // Room for the prompt and every token that will be fed back (the last sampled one never is).
            job.Cache = Model.CreateCache(Math.Min(ContextLength, prompt + Math.Max(1, job.Options.MaxTokens)));
            job.PrefillLogits = Model.ForwardLast(job.PromptIds, job.Cache, job.Token);
            job.Stats.SetPrefill(prompt, clock.Elapsed.TotalSeconds);
        }
        catch (Exception ex)
        {
            job.PrefillError = ex;
        }
        finally
        {
            lock (_gate) _prefilling.Remove(job);
            _prefilled.Enqueue(job);
            Wake();
        }
    }

    private void StartDecoding(GenerationJob job, List<GenerationJob> decoding)
    {
        if (job.IsCancellationRequested) { End(job, JobOutcome.Cancelled, null); return; }
        if (job.PrefillError is { } error) { End(job, JobOutcome.Failed, error); return; }
        job.Sequence = new DecodingSequence(Tokenizer, job.Options, job.PromptIds, ContextLength, job.Emit);
        job.DecodeClock.Start();
        var logits = job.PrefillLogits!;
        job.PrefillLogits = null;
        if (Advance(job, logits)) decoding.Add(job);
    }

    /// <summary>One decode step: every decoding request's last token through the model, in passes of at most <see cref="MaxRowsPerForward"/> rows.</summary>
    private void Step(List<GenerationJob> decoding)
    {
        int vocab = Model.Config.VocabSize;
        lock (_gate)
        {
            _decodeSteps++;
            _peakBatch = Math.Max(_peakBatch, decoding.Count);
        }
        var done = new List<GenerationJob>();
        for (int start = 0; start < decoding.Count; start += MaxRowsPerForward)
        {
            int rows = Math.Min(MaxRowsPerForward, decoding.Count - start);
            var tokens = new int[rows][];
            var caches = new KvCache[rows];
            for (int r = 0; r < rows; r++)
            {
                var job = decoding[start + r];
                tokens[r] = [job.Sequence!.NextToken];
                caches[r] = job.Cache!;
            }
            if (_logits.Length < rows * vocab) _logits = new float[rows * vocab];
            try
            {
                var hidden = Model.ForwardHidden(tokens, caches);
                Model.Logits(hidden, _logits, rows);
            }
            catch (Exception ex)
            {
                for (int r = 0; r < rows; r++) { End(decoding[start + r], JobOutcome.Failed, ex); done.Add(decoding[start + r]); }
                continue;
            }
            for (int r = 0; r < rows; r++)
            {
                var job = decoding[start + r];
                if (!Advance(job, _logits.AsSpan(r * vocab, vocab))) done.Add(job);
            }
        }
        if (done.Count > 0) decoding.RemoveAll(done.Contains);
    }

    /// <summary>Samples a request's next token; false (and the request ended) when it is finished.</summary>
    private bool Advance(GenerationJob job, Span<float> logits)
    {
        var sequence = job.Sequence!;
        int before = sequence.Generated;
        bool more;
        try
        {
            more = sequence.Advance(logits);
        }
        catch (Exception ex)
        {
            End(job, JobOutcome.Failed, ex);
            return false;
        }
        job.Stats.SetDecode(sequence.Generated, job.DecodeClock.Elapsed.TotalSeconds);
        Interlocked.Add(ref _generatedTokens, sequence.Generated - before);
        if (!more) End(job, JobOutcome.Completed, null);
        return more;
    }

    private void End(GenerationJob job, JobOutcome outcome, Exception? error) => job.TryEnd(outcome, error, () =>
    {
        lock (_gate)
        {
            if (job.Admitted) _running--;
            switch (outcome)
            {
                case JobOutcome.Completed: _completed++; break;
                case JobOutcome.Cancelled: _cancelled++; break;
                default: _failed++; break;
            }
        }
        Wake(); // a slot may have freed
        try { JobFinished?.Invoke(this, job); }
        catch (Exception) { /* an observer's bug must not stop the engine */ }
    });

    /// <summary>Stops the loop, cancelling every waiting and running request.</summary>
    /// <exception cref="InvalidOperationException">Called from a <see cref="JobFinished"/> handler (the loop cannot wait for itself).</exception>
    public void Dispose()
    {
        if (Thread.CurrentThread == _loop) throw new InvalidOperationException("the engine cannot be disposed from its own loop (a JobFinished handler)");
        List<GenerationJob> waiting;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            waiting = [.. _queue];
            _queue.Clear();
        }
        foreach (var job in waiting) End(job, JobOutcome.Cancelled, null);
        _shutdown.Cancel();
        _loop.Join();
        Task[] prefills;
        lock (_gate)
        {
            foreach (var job in _prefilling) job.Cancel();
            prefills = _prefilling.Select(j => j.PrefillTask).OfType<Task>().ToArray();
        }
        Task.WaitAll(prefills);
        while (_prefilled.TryDequeue(out var job)) End(job, JobOutcome.Cancelled, null);
        _shutdown.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
