using AwqSharp.Chat;
using AwqSharp.Runtime;
using AwqSharp.Serving;
using AwqSharp.Tests.Serving;
using Microsoft.Extensions.AI;
using TemplateMessage = AwqSharp.Tokenization.Templates.ChatMessage;

namespace AwqSharp.Tests.Chat;

/// <summary>The IChatClient over the engine; answers are checked against <see cref="TextGenerator"/> on the template's prompt.</summary>
[Collection("Serving")]
public sealed class AwqChatClientTests(ServingFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private AwqChatClient Client() => new(fixture.ChatEngine, fixture.ChatFormatter);

    private static ChatOptions Options(long seed, int maxTokens = 20) => new() { Temperature = 0.9f, TopP = 0.95f, TopK = 40, Seed = seed, MaxOutputTokens = maxTokens };

    private GenerationResult Expected(IReadOnlyList<TemplateMessage> conversation, ulong seed, int maxTokens = 20, params string[] stop) =>
        fixture.ChatReference.Complete(fixture.ChatFormatter.Encode(conversation), new GenerationOptions
        {
            MaxTokens = maxTokens,
            StopStrings = stop,
            Sampling = new SamplingOptions { Temperature = 0.9f, TopP = 0.95f, TopK = 40, Seed = seed },
        });

    [Fact]
    public async Task AResponseIsTheGeneratorsTextWithUsageAndFinishReason()
    {
        using IChatClient client = Client();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Tell me about a frog.")], Options(5)).WaitAsync(Patience);
        var expected = Expected([new TemplateMessage("user", "Tell me about a frog.")], 5);

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.Finish == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("stories260K-chat", response.ModelId);
        Assert.Equal(expected.PromptTokens, response.Usage!.InputTokenCount);
        Assert.Equal(expected.CompletionTokens, response.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokens + expected.CompletionTokens, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task StreamingGivesTheSameTextThenTheFinishReasonAndUsage()
    {
        using IChatClient client = Client();
        ChatMessage[] conversation = [new(ChatRole.System, "Stories only."), new(ChatRole.User, "A cat.")];
        var whole = await client.GetResponseAsync(conversation, Options(21, 30));
        var updates = await client.GetStreamingResponseAsync(conversation, Options(21, 30)).ToListAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.Equal(whole.FinishReason, updates[^1].FinishReason);
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.FinishReason));
        var usage = Assert.IsType<UsageContent>(Assert.Single(updates[^1].Contents));
        Assert.Equal(whole.Usage!.InputTokenCount, usage.Details.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.Details.OutputTokenCount);
        // The same updates, put together by Microsoft.Extensions.AI, make the same response.
        Assert.Equal(whole.Text, updates.ToChatResponse().Text);
    }

    [Fact]
    public async Task OptionsMapToInstructionsStopSequencesAndMaxTokens()
    {
        using IChatClient client = Client();
        ChatMessage[] question = [new(ChatRole.User, "A bird.")];
        var options = Options(3, 60);
        options.Instructions = "Tell a story.";
        options.StopSequences = ["."];
        var response = await client.GetResponseAsync(question, options);
        var expected = Expected([new TemplateMessage("system", "Tell a story."), new TemplateMessage("user", "A bird.")], 3, 60, ".");
        Assert.Equal(expected.Text, response.Text);
        Assert.Equal(expected.PromptTokens, response.Usage!.InputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.DoesNotContain(".", response.Text);

        var short3 = await client.GetResponseAsync(question, new ChatOptions { MaxOutputTokens = 3, Temperature = 0 });
        Assert.Equal(ChatFinishReason.Length, short3.FinishReason);
        Assert.Equal(3, short3.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task ConcurrentCallsGetWhatEachGetsAlone()
    {
        using IChatClient client = Client();
        ChatMessage[] question = [new(ChatRole.User, "Once upon a time")];
        var alone = new List<string>();
        for (int seed = 1; seed <= 4; seed++) alone.Add((await client.GetResponseAsync(question, Options(seed))).Text);
        var together = await Task.WhenAll(Enumerable.Range(1, 4).Select(seed => client.GetResponseAsync(question, Options(seed)))).WaitAsync(Patience);
        Assert.Equal(alone, together.Select(r => r.Text));
    }

    [Fact]
    public async Task CancellingOrLeavingAStreamStopsTheGeneration()
    {
        using IChatClient client = Client();
        var endless = new ChatOptions { MaxOutputTokens = 30002, AdditionalProperties = new() { ["ignore_eos"] = true, ["repetition_penalty"] = 1.05 } };
        var finished = new List<GenerationJob>();
        var twoDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnFinished(object? _, GenerationJob job)
        {
            if (job.Options.MaxTokens != 30002) return;
            lock (finished) { finished.Add(job); if (finished.Count == 2) twoDone.TrySetResult(); }
        }
        fixture.ChatEngine.JobFinished += OnFinished;
        try
        {
            using var cts = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Go on.")], endless, cts.Token))
                    if (update.Text.Length > 0) cts.Cancel();
            });
            await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Go on.")], endless))
                if (update.Text.Length > 0) break;
            await twoDone.Task.WaitAsync(Patience);
        }
        finally
        {
            fixture.ChatEngine.JobFinished -= OnFinished;
        }
        Assert.All(finished, job => Assert.Equal(JobOutcome.Cancelled, job.Outcome));
    }

    [Fact]
    public async Task WhatTheModelCannotDoIsRefusedClearly()
    {
        using IChatClient client = Client();
        ChatMessage[] hello = [new(ChatRole.User, "Hello")];
        var model = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync(hello, new ChatOptions { ModelId = "gpt-4o" }));
        Assert.Contains("gpt-4o", model.Message);
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(hello, new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")] }));
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync(hello, new ChatOptions { MaxOutputTokens = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync(hello, new ChatOptions { Temperature = -1 }));
        Assert.Equal(0, fixture.ChatEngine.Counters.Running);

        using IChatClient small = new AwqChatClient(fixture.Plain, fixture.PlainFormatter); // context 512
        var tooLong = string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 120));
        var context = await Assert.ThrowsAsync<ContextLengthExceededException>(() => small.GetResponseAsync([new ChatMessage(ChatRole.User, tooLong)]));
        Assert.Equal(512, context.ContextLength);
        Assert.Equal(0, fixture.Plain.Counters.Running);
    }

    [Fact]
    public void ServicesAndMetadataDescribeTheModel()
    {
        using var client = Client();
        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal("awqsharp", metadata!.ProviderName);
        Assert.Equal("stories260K-chat", metadata.DefaultModelId);
        Assert.Same(fixture.ChatEngine, client.GetService<InferenceEngine>());
        Assert.Same(fixture.ChatFormatter, client.GetService<ChatPromptFormatter>());
        Assert.Same(client, client.GetService<IChatClient>());
        Assert.Null(client.GetService<ChatClientMetadata>("some key"));
        Assert.Throws<ArgumentException>(() => new AwqChatClient(fixture.ChatEngine, fixture.PlainFormatter));
    }

    [Fact]
    public async Task LoadOwnsItsEngine()
    {
        var client = AwqChatClient.Load(fixture.ChatDirectory);
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 3, Temperature = 0 });
        Assert.Equal(3, response.Usage!.OutputTokenCount);
        client.Dispose();
        Assert.Throws<ObjectDisposedException>(() => client.Engine.Submit([1], new GenerationOptions()));
        Assert.Equal(0, fixture.ChatEngine.Counters.Running); // the shared engine was not touched
    }
}
