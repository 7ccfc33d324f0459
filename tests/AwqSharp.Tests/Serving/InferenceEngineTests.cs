using AwqSharp.Kernels.Int4;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Runtime;
using AwqSharp.Serving;

namespace AwqSharp.Tests.Serving;

[Collection("Serving")]
public sealed class InferenceEngineTests(ServingFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static GenerationOptions Sampled(ulong seed, int maxTokens = 24) => new()
    {
        MaxTokens = maxTokens,
        Sampling = new SamplingOptions { Temperature = 1, TopP = 0.95f, TopK = 40, RepetitionPenalty = 1.1f, Seed = seed },
    };

    [Fact]
    public async Task ConcurrentRequestsGetTheTextEachGetsAlone()
    {
        using var engine = new InferenceEngine(fixture.ChatEngine.Model, fixture.ChatEngine.Tokenizer, "concurrent");
        var prompt = engine.Tokenizer.Encode("Once upon a time, there was a");
        await using (await Blockers.StartAsync(engine, 1, maxTokens: 30000))
        {
            var jobs = Enumerable.Range(1, 8).Select(seed => (seed, task: engine.CompleteAsync(prompt, Sampled((ulong)seed)))).ToList();
            foreach (var (seed, task) in jobs)
            {
                var batched = await task.WaitAsync(Patience);
                var alone = fixture.ChatReference.Complete(prompt, Sampled((ulong)seed));
                Assert.Equal(alone.Text, batched.Text);
                Assert.Equal(alone.Finish, batched.Finish);
                Assert.Equal(alone.CompletionTokens, batched.CompletionTokens);
                Assert.Equal(prompt.Length, batched.PromptTokens);
            }
        }
        Assert.True(engine.Counters.PeakBatch >= 2, $"peak batch {engine.Counters.PeakBatch}: the requests never ran together");
        // Distinct seeds give distinct texts (else the comparison above would prove little).
        var texts = await Task.WhenAll(Enumerable.Range(1, 4).Select(seed => engine.CompleteAsync(prompt, Sampled((ulong)seed))));
        Assert.Equal(4, texts.Select(t => t.Text).Distinct().Count());
    }

    [Fact]
    public async Task WideBatchesKeepEveryText()
    {
        using var engine = new InferenceEngine(fixture.ChatEngine.Model, fixture.ChatEngine.Tokenizer, "wide", new InferenceEngineOptions { MaxConcurrency = 24 });
        var prompt = engine.Tokenizer.Encode("The little dog");
        await using (await Blockers.StartAsync(engine, 16, maxTokens: 4000))
        {
            var results = await Task.WhenAll(Enumerable.Range(1, 4).Select(seed => engine.CompleteAsync(prompt, Sampled((ulong)seed, 16)))).WaitAsync(Patience);
            for (int seed = 1; seed <= 4; seed++)
                Assert.Equal(fixture.ChatReference.Complete(prompt, Sampled((ulong)seed, 16)).Text, results[seed - 1].Text);
        }
        Assert.True(engine.Counters.PeakBatch >= 17, $"peak batch {engine.Counters.PeakBatch}");
    }

    public static TheoryData<Int4Isa> Int4Paths => new(Int4Kernels.SupportedPaths);

    [Theory]
    [MemberData(nameof(Int4Paths))]
    public async Task Int4BatchesTooWideForTheGemvSplitIntoPassesAndKeepEveryText(Int4Isa isa)
    {
        // stories260K quantized to 4 bits (RTN, group 32) and kept packed: the INT4 GEMV takes few rows per product.
        var (quantized, _) = ModelQuantizer.Quantize(LlamaModel.Load(fixture.PlainDirectory), new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(4, 32)));
        var model = quantized.ToLlamaModel(QuantizedBackend.Packed);
        Assert.IsType<PackedInt4Linear>(model.Weights.Layers[0].Q);
        Int4Kernels.ForceIsa = isa; // flows to the engine's threads, started below
        using var engine = new InferenceEngine(model, fixture.Plain.Tokenizer, "int4", new InferenceEngineOptions { MaxConcurrency = 32 });
        Assert.Equal(isa == Int4Isa.Avx512 ? 16 : 4, engine.MaxRowsPerForward);
        var reference = new TextGenerator(model, fixture.Plain.Tokenizer);
        var prompt = engine.Tokenizer.Encode("Once upon a time");
        await using (await Blockers.StartAsync(engine, engine.MaxRowsPerForward + 1, maxTokens: 450))
        {
            var results = await Task.WhenAll(Enumerable.Range(1, 4).Select(seed => engine.CompleteAsync(prompt, Sampled((ulong)seed, 16)))).WaitAsync(Patience);
            for (int seed = 1; seed <= 4; seed++)
                Assert.Equal(reference.Complete(prompt, Sampled((ulong)seed, 16)).Text, results[seed - 1].Text);
        }
        Assert.True(engine.Counters.PeakBatch > engine.MaxRowsPerForward, $"peak batch {engine.Counters.PeakBatch}, {engine.MaxRowsPerForward} rows per pass");
    }

    [Fact]
    public async Task FinishReasonsAndCountsMatchTheSingleRequestGenerator()
    {
        var story = fixture.Plain.Tokenizer.Encode("Once upon a time");
        var nearlyFull = fixture.Plain.Tokenizer.Encode(string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 80)))[..(fixture.Plain.ContextLength - 6)];
        var cases = new (bool Chat, int[] Prompt, GenerationOptions Options, FinishReason Expected)[]
        {
            (true, story, new GenerationOptions { MaxTokens = 400, Sampling = SamplingOptions.Greedy }, FinishReason.Stop),                                 // EOS: the story ends
            (false, story, new GenerationOptions { MaxTokens = 12, Sampling = SamplingOptions.Greedy }, FinishReason.Length),                              // max_tokens
            (false, story, new GenerationOptions { MaxTokens = 60, Sampling = SamplingOptions.Greedy, StopStrings = ["Lily"] }, FinishReason.Stop),       // stop string
            (false, story, new GenerationOptions { MaxTokens = 60, Sampling = new SamplingOptions { Seed = 9 }, StopStrings = ["."] }, FinishReason.Stop),
            (false, nearlyFull, new GenerationOptions { MaxTokens = 100, Sampling = SamplingOptions.Greedy }, FinishReason.Length),                        // end of the context
            (false, story, new GenerationOptions { MaxTokens = 0 }, FinishReason.Length),
            (true, story, new GenerationOptions { MaxTokens = 40, StopOnEos = false, Sampling = SamplingOptions.Greedy }, FinishReason.Length),
        };
        foreach (var (chat, prompt, options, expected) in cases)
        {
            var alone = (chat ? fixture.ChatReference : fixture.PlainReference).Complete(prompt, options);
            var served = await (chat ? fixture.ChatEngine : fixture.Plain).CompleteAsync(prompt, options).WaitAsync(Patience);
            Assert.Equal(alone.Text, served.Text);
            Assert.Equal(alone.Finish, served.Finish);
            Assert.Equal(alone.CompletionTokens, served.CompletionTokens);
            Assert.Equal(expected, served.Finish); // the case reaches the end it is meant to
        }
        var contextEnd = await fixture.Plain.CompleteAsync(nearlyFull, cases[4].Options);
        Assert.Equal(fixture.Plain.ContextLength - nearlyFull.Length, contextEnd.CompletionTokens);
    }

    [Fact]
    public async Task WaitingRequestsRunWhenASlotFrees()
    {
        using var engine = new InferenceEngine(fixture.ChatEngine.Model, fixture.ChatEngine.Tokenizer, "one-slot", new InferenceEngineOptions { MaxConcurrency = 1, MaxQueueLength = 2 });
        var prompt = engine.Tokenizer.Encode("A bird");
        GenerationJob queued;
        await using (await Blockers.StartAsync(engine, 1, maxTokens: 30000))
        {
            queued = engine.Submit(prompt, Sampled(5));
            var cancelledWhileQueued = engine.Submit(prompt, Sampled(6));
            Assert.Equal(2, engine.Counters.Queued);
            Assert.Throws<EngineBusyException>(() => engine.Submit(prompt, Sampled(7)));
            cancelledWhileQueued.Cancel();
            await cancelledWhileQueued.Completion.WaitAsync(Patience);
            Assert.Equal(JobOutcome.Cancelled, cancelledWhileQueued.Outcome);
            Assert.Equal(0, cancelledWhileQueued.Stats.CompletionTokens);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { await foreach (var _ in cancelledWhileQueued) { } });
            Assert.Equal(JobOutcome.Pending, queued.Outcome);
        }
        var text = string.Concat(await queued.Select(c => c.Text).ToListAsync().AsTask().WaitAsync(Patience));
        Assert.Equal(fixture.ChatReference.Complete(prompt, Sampled(5)).Text, text);
        Assert.Equal(JobOutcome.Completed, queued.Outcome);
        Assert.Equal(1, engine.Counters.PeakBatch);
        Assert.Equal(new EngineCounters(0, 0, 1, 2, 0, engine.Counters.GeneratedTokens, engine.Counters.DecodeSteps, 1), engine.Counters);
    }

    [Fact]
    public async Task CancellingOrAbandoningARunningRequestFreesItsSlot()
    {
        using var engine = new InferenceEngine(fixture.ChatEngine.Model, fixture.ChatEngine.Tokenizer, "cancel", new InferenceEngineOptions { MaxConcurrency = 1 });
        var prompt = engine.Tokenizer.Encode("A bird");
        var endless = new GenerationOptions { MaxTokens = 30000, StopOnEos = false };

        using var cts = new CancellationTokenSource();
        var cancelled = engine.Submit(prompt, endless, cts.Token);
        await using (var reader = cancelled.GetAsyncEnumerator())
        {
            Assert.True(await reader.MoveNextAsync());
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { while (await reader.MoveNextAsync()) { } });
        }
        await cancelled.Completion.WaitAsync(Patience);
        Assert.Equal(JobOutcome.Cancelled, cancelled.Outcome);
        Assert.InRange(cancelled.Stats.CompletionTokens, 1, 29999);

        var abandoned = engine.Submit(prompt, endless);
        await foreach (var _ in abandoned) break; // leaving the loop early cancels
        await abandoned.Completion.WaitAsync(Patience);
        Assert.Equal(JobOutcome.Cancelled, abandoned.Outcome);

        // The one slot is free again.
        var next = await engine.CompleteAsync(prompt, Sampled(3)).WaitAsync(Patience);
        Assert.Equal(fixture.ChatReference.Complete(prompt, Sampled(3)).Text, next.Text);
        Assert.Equal(2, engine.Counters.Cancelled);
        Assert.Equal(0, engine.Counters.Running);
    }

    [Fact]
    public void BadRequestsAreRefusedBeforeAnythingRuns()
    {
        var engine = fixture.Plain;
        Assert.Throws<ArgumentException>(() => engine.Submit([], Sampled(1)));
        var outside = Assert.Throws<ArgumentException>(() => engine.Submit([1, 512], Sampled(1)));
        Assert.Contains("512", outside.Message);
        var tooLong = Assert.Throws<ContextLengthExceededException>(() => engine.Submit(new int[engine.ContextLength], Sampled(1)));
        Assert.Equal(512, tooLong.PromptTokens);
        Assert.Equal(512, tooLong.ContextLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Submit([1], new GenerationOptions { Sampling = new SamplingOptions { Temperature = -1 } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InferenceEngine(engine.Model, engine.Tokenizer, "x", new InferenceEngineOptions { MaxConcurrency = 0 }));
        Assert.Equal(0, engine.Counters.Queued);
    }

    [Fact]
    public async Task DisposeCancelsEverythingAndRefusesNewWork()
    {
        var engine = new InferenceEngine(fixture.ChatEngine.Model, fixture.ChatEngine.Tokenizer, "dispose", new InferenceEngineOptions { MaxConcurrency = 1 });
        var prompt = engine.Tokenizer.Encode("A bird");
        var finished = new List<long>();
        engine.JobFinished += (_, job) => { lock (finished) finished.Add(job.Id); };
        var running = engine.Submit(prompt, new GenerationOptions { MaxTokens = 30000, StopOnEos = false });
        await using (var reader = running.GetAsyncEnumerator()) Assert.True(await reader.MoveNextAsync());
        var waiting = engine.Submit(prompt, Sampled(1));
        engine.Dispose();
        await Task.WhenAll(running.Completion, waiting.Completion).WaitAsync(Patience);
        Assert.Equal(JobOutcome.Cancelled, running.Outcome);
        Assert.Equal(JobOutcome.Cancelled, waiting.Outcome);
        Assert.Equal([running.Id, waiting.Id], finished.Order());
        Assert.Throws<ObjectDisposedException>(() => engine.Submit(prompt, Sampled(1)));
        engine.Dispose(); // twice is harmless
    }
}
