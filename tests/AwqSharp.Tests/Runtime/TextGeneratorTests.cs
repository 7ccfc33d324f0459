using AwqSharp.Models;
using AwqSharp.Runtime;
using AwqSharp.Tokenization;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Runtime;

public class TextGeneratorTests
{
    private static readonly Lazy<TextGenerator> Stories = new(() =>
        new TextGenerator(LlamaModel.Load(RepoData.Stories260K), TextTokenizer.Load(RepoData.Stories260K)));

    [Fact]
    public void GreedyFromBosReproducesThePublishedStory()
    {
        var g = Stories.Value;
        var result = g.Complete([1], new GenerationOptions { MaxTokens = 60, Sampling = SamplingOptions.Greedy });
        Assert.Equal(60, result.CompletionTokens);
        Assert.StartsWith(result.Text.Trim()[..80], RepoData.PublishedStory);
        Assert.True(RepoData.PublishedStory.StartsWith(result.Text.Trim()[..Math.Min(result.Text.Trim().Length, RepoData.PublishedStory.Length)]),
            $"got: {result.Text}");
        Assert.Equal(FinishReason.Length, result.Finish);
    }

    [Fact]
    public void StreamedChunksConcatenateToTheCompleteText()
    {
        var g = Stories.Value;
        var options = new GenerationOptions { MaxTokens = 40, Sampling = new SamplingOptions { Temperature = 1, Seed = 11 } };
        var prompt = g.EncodePrompt("Tom had a red");
        var streamed = string.Concat(g.Generate(prompt, options).Select(c => c.Text));
        Assert.Equal(g.Complete(prompt, options).Text, streamed);
        var other = g.Complete(prompt, options with { Sampling = options.Sampling with { Seed = 12 } }).Text;
        Assert.NotEqual(streamed, other);
    }

    [Fact]
    public async Task AsyncStreamingMatchesAndStopStringsCut()
    {
        var g = Stories.Value;
        var options = new GenerationOptions { MaxTokens = 60, Sampling = SamplingOptions.Greedy, StopStrings = ["park"] };
        var text = new System.Text.StringBuilder();
        FinishReason? finish = null;
        await foreach (var chunk in g.GenerateAsync([1], options)) { text.Append(chunk.Text); finish ??= chunk.Finish; }
        Assert.Equal(FinishReason.Stop, finish);
        Assert.Equal(RepoData.PublishedStory[..RepoData.PublishedStory.IndexOf("park")], text.ToString().TrimStart());
    }

    [Fact]
    public void CancellationStopsGeneration()
    {
        var g = Stories.Value;
        using var cts = new CancellationTokenSource();
        int n = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in g.Generate([1], new GenerationOptions { MaxTokens = 200, Sampling = SamplingOptions.Greedy }, cts.Token))
                if (++n == 5) cts.Cancel();
        });
        Assert.Equal(5, n);
    }

    [Fact]
    public void ConversationCacheReusesTheCommonPrefix()
    {
        var g = Stories.Value;
        var session = new ConversationCache(g.Model, 128);
        var first = g.EncodePrompt("Lily saw a cat");
        var a = session.Prefill(first);
        var longer = g.EncodePrompt("Lily saw a cat and a dog");
        var b = session.Prefill(longer);
        Assert.Equal(longer.Length, session.Cache.Length);
        var fresh = g.Model.ForwardLast(longer, g.Model.CreateCache(128));
        Assert.Equal(fresh, b);
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(new[] { "Hello wor", "ld!" }, new[] { "world" }, "Hello ", true)]
    [InlineData(new[] { "ab", "c", "d" }, new[] { "cx" }, "abcd", false)]
    [InlineData(new[] { "one. two" }, new[] { ".", "two" }, "one", true)]
    public void StopStringMatcherHoldsBackPossiblePrefixes(string[] pieces, string[] stops, string expected, bool expectStop)
    {
        var m = new StopStringMatcher(stops);
        var emitted = new System.Text.StringBuilder();
        bool stopped = false;
        foreach (var p in pieces)
        {
            var (text, s) = m.Push(p);
            emitted.Append(text);
            if (s) { stopped = true; break; }
        }
        if (!stopped) emitted.Append(m.Flush());
        Assert.Equal(expected, emitted.ToString());
        Assert.Equal(expectStop, stopped);
    }
}
