using System.Diagnostics;
using System.Runtime.CompilerServices;
using AwqSharp.Models;
using AwqSharp.Tokenization;

namespace AwqSharp.Runtime;

/// <summary>
/// Generates text with a model and its tokenizer: prefill the prompt into a KV cache, then sample
/// one token at a time, streaming the decoded text, until EOS, a stop string, max_tokens or the end
/// of the context. Thread-safe across calls: each call uses its own cache.
/// </summary>
public sealed class TextGenerator(LlamaModel model, TextTokenizer tokenizer)
{
    public LlamaModel Model { get; } = model;
    public TextTokenizer Tokenizer { get; } = tokenizer;

    /// <summary>Tokenizes a plain-text prompt (with the tokenizer's special tokens, e.g. BOS).</summary>
    public int[] EncodePrompt(string prompt, bool addSpecialTokens = true) => Tokenizer.Encode(prompt, addSpecialTokens);

    /// <summary>
    /// Streams the continuation of <paramref name="promptIds"/>. With a <paramref name="session"/>, the
    /// tokens it already holds that match the prompt's start are reused (multi-turn chat); otherwise a fresh cache is used.
    /// </summary>
    public IEnumerable<GenerationChunk> Generate(int[] promptIds, GenerationOptions options, CancellationToken cancellationToken = default,
        ConversationCache? session = null, GenerationStats? stats = null)
    {
        options.Validate();
        if (promptIds.Length == 0) throw new ArgumentException("the prompt has no tokens", nameof(promptIds));
        session ??= new ConversationCache(Model);
        if (promptIds.Length >= session.Cache.Capacity)
            throw new AwqException($"the prompt has {promptIds.Length} tokens; the context window is {session.Cache.Capacity}");

        var clock = Stopwatch.StartNew();
        var logits = session.Prefill(promptIds, cancellationToken);
        stats?.SetPrefill(promptIds.Length, clock.Elapsed.TotalSeconds);
        clock.Restart();

        var sampler = new Sampler(options.Sampling);
        var decoder = new StreamingDecoder(Tokenizer, skipSpecialTokens: true);
        var stops = new StopStringMatcher(options.StopStrings);
        var history = new List<int>(promptIds);
        var eos = options.StopOnEos ? new HashSet<int>(Tokenizer.EosTokenIds) : [];
        int generated = 0;
        FinishReason finish = FinishReason.Length;
        bool stoppedByString = false;
        while (generated < options.MaxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int next = sampler.Sample(logits, history);
            generated++;
            stats?.SetDecode(generated, clock.Elapsed.TotalSeconds);
            if (eos.Contains(next)) { finish = FinishReason.Stop; break; }
            history.Add(next);
            var (text, stopped) = stops.Push(decoder.Push(next));
            if (stopped)
            {
                if (text.Length > 0) yield return new GenerationChunk(text, next);
                finish = FinishReason.Stop;
                stoppedByString = true;
                break;
            }
            yield return new GenerationChunk(text, next);
            if (generated >= options.MaxTokens) break;
            if (session.Cache.Length + 1 >= session.Cache.Capacity) break; // context full: finish "length"
            logits = session.Append(next, cancellationToken);
        }
        stats?.SetDecode(generated, clock.Elapsed.TotalSeconds);
        string tail = "";
        if (!stoppedByString)
        {
            // Text held back for an incomplete character or a possible stop string is released now.
            var (text, stopped) = stops.Push(decoder.Flush());
            tail = stopped ? text : text + stops.Flush();
            if (stopped) finish = FinishReason.Stop;
        }
        yield return new GenerationChunk(tail, null, finish);
    }

    /// <summary>Async streaming: the decode loop runs on a worker thread; cancellation stops it between tokens.</summary>
    public async IAsyncEnumerable<GenerationChunk> GenerateAsync(int[] promptIds, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default, ConversationCache? session = null, GenerationStats? stats = null)
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<GenerationChunk>(64);
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var chunk in Generate(promptIds, options, cancellationToken, session, stats))
                    channel.Writer.WriteAsync(chunk, cancellationToken).AsTask().GetAwaiter().GetResult();
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        await foreach (var chunk in channel.Reader.ReadAllAsync(cancellationToken))
            yield return chunk;
        await producer;
    }

    /// <summary>Generates to the end and returns the whole text.</summary>
    public GenerationResult Complete(int[] promptIds, GenerationOptions options, CancellationToken cancellationToken = default, ConversationCache? session = null)
    {
        var stats = new GenerationStats();
        var text = new System.Text.StringBuilder();
        FinishReason finish = FinishReason.Length;
        foreach (var chunk in Generate(promptIds, options, cancellationToken, session, stats))
        {
            text.Append(chunk.Text);
            if (chunk.Finish is { } f) finish = f;
        }
        return new GenerationResult(text.ToString(), promptIds.Length, stats.CompletionTokens, finish, stats.PrefillSeconds, stats.DecodeSeconds);
    }
}

/// <summary>Counters a generation fills in as it runs.</summary>
public sealed class GenerationStats
{
    public int PromptTokens { get; private set; }
    public int CompletionTokens { get; private set; }
    public double PrefillSeconds { get; private set; }
    public double DecodeSeconds { get; private set; }
    internal void SetPrefill(int tokens, double seconds) { PromptTokens = tokens; PrefillSeconds = seconds; }
    internal void SetDecode(int tokens, double seconds) { CompletionTokens = tokens; DecodeSeconds = seconds; }
}
