using AwqSharp.Runtime;
using AwqSharp.Serving;

namespace AwqSharp.Tests.Serving;

/// <summary>
/// Long requests (EOS ignored) that are certainly decoding when <see cref="StartAsync"/> returns: each has streamed its
/// first chunk. Whatever is submitted next runs batched with them, without relying on timing. Disposing cancels them.
/// </summary>
public sealed class Blockers : IAsyncDisposable
{
    private readonly List<(GenerationJob Job, IAsyncEnumerator<GenerationChunk> Reader)> _running = [];

    public IReadOnlyList<GenerationJob> Jobs => _running.Select(r => r.Job).ToList();

    public static async Task<Blockers> StartAsync(InferenceEngine engine, int count, int maxTokens)
    {
        var blockers = new Blockers();
        for (int i = 0; i < count; i++)
        {
            var job = engine.Submit(engine.Tokenizer.Encode("Once upon a time"), new GenerationOptions
            {
                MaxTokens = maxTokens,
                StopOnEos = false,
                Sampling = new SamplingOptions { Temperature = 1, Seed = (ulong)(1000 + i) },
            });
            blockers._running.Add((job, job.GetAsyncEnumerator()));
        }
        foreach (var (_, reader) in blockers._running)
            Assert.True(await reader.MoveNextAsync(), "a blocker ended before its first chunk");
        return blockers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (job, _) in _running) job.Cancel();
        foreach (var (job, reader) in _running)
        {
            await job.Completion;
            try { await reader.DisposeAsync(); } catch (OperationCanceledException) { }
        }
    }
}
