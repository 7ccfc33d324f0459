using AwqSharp.Kernels;
using AwqSharp.Runtime;

namespace AwqSharp.Models;

/// <summary>
/// A Llama-family causal language model: config, weights and rotary tables, and the forward pass
/// (embeddings, blocks, final norm, lm_head) over one or several sequences, each with its KV cache.
/// </summary>
public sealed class LlamaModel
{
    public LlamaModel(ModelConfig config, LlamaWeights weights)
    {
        Config = config; Weights = weights; Rope = new RotaryEmbedding(config);
    }

    public ModelConfig Config { get; }
    public LlamaWeights Weights { get; }
    public RotaryEmbedding Rope { get; }

    /// <summary>
    /// Loads a model directory; quantized 4-bit weights stay packed unless <paramref name="backend"/> says otherwise, and
    /// F16/BF16 linears (lm_head of AWQ checkpoints, all of an FP16 model) stay 16-bit with <see cref="DenseStorage.KeepHalf"/>.
    /// </summary>
    public static LlamaModel Load(string directory, IProgress<string>? progress = null, CancellationToken cancellationToken = default,
        QuantizedBackend backend = QuantizedBackend.Packed, DenseStorage dense = DenseStorage.Float32) =>
        ModelLoader.Load(directory, progress, cancellationToken, backend, dense);

    /// <summary>A cache for one sequence of up to <paramref name="capacity"/> positions (default: max_position_embeddings).</summary>
    public KvCache CreateCache(int? capacity = null) =>
        new(Config.NumLayers, Config.KvDim, Math.Min(capacity ?? Config.MaxPositionEmbeddings, Config.MaxPositionEmbeddings));

    /// <summary>Writes the embedding rows of <paramref name="tokens"/> into <paramref name="x"/> [tokens, hidden].</summary>
    public void Embed(ReadOnlySpan<int> tokens, Span<float> x)
    {
        int h = Config.HiddenSize;
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if ((uint)t >= (uint)Config.VocabSize) throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} is outside the vocabulary (0..{Config.VocabSize - 1})");
            Weights.Embeddings.AsSpan(t * h, h).CopyTo(x.Slice(i * h, h));
        }
    }

    /// <summary>
    /// Runs the sequences through every block, appending each to its cache, and returns the final-normed
    /// hidden states of all rows, concatenated in order: [sum of lengths, hidden].
    /// </summary>
    public float[] ForwardHidden(IReadOnlyList<int[]> sequences, IReadOnlyList<KvCache> caches, IBlockObserver? observer = null, CancellationToken cancellationToken = default)
    {
        if (sequences.Count != caches.Count) throw new ArgumentException("one cache per sequence is needed");
        int h = Config.HiddenSize;
        var slices = new SequenceSlice[sequences.Count];
        int rows = 0;
        for (int s = 0; s < sequences.Count; s++)
        {
            if (sequences[s].Length == 0) throw new ArgumentException($"sequence {s} is empty");
            caches[s].EnsureRoom(sequences[s].Length);
            slices[s] = new SequenceSlice(rows, sequences[s].Length, caches[s]);
            rows += sequences[s].Length;
        }
        var x = new float[(long)rows * h];
        for (int s = 0; s < sequences.Count; s++) Embed(sequences[s], x.AsSpan(slices[s].Row * h, slices[s].Count * h));
        for (int l = 0; l < Config.NumLayers; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TransformerBlock.Forward(Config, Weights.Layers[l], l, l, Rope, x, slices, observer);
        }
        for (int s = 0; s < sequences.Count; s++) caches[s].Advance(sequences[s].Length);
        Ops.RmsNorm(x, Weights.FinalNorm, x, rows, Config.RmsNormEps);
        return x;
    }

    /// <summary>logits [rows, vocab] of final hidden states [rows, hidden].</summary>
    public void Logits(ReadOnlySpan<float> hidden, Span<float> logits, int rows) => Weights.LmHead.Forward(hidden, logits, rows);

    /// <summary>Appends <paramref name="tokens"/> to the sequence in <paramref name="cache"/> and returns the logits of its last position [vocab].</summary>
    public float[] ForwardLast(int[] tokens, KvCache cache, CancellationToken cancellationToken = default)
    {
        var hidden = ForwardHidden([tokens], [cache], null, cancellationToken);
        var logits = new float[Config.VocabSize];
        Logits(hidden.AsSpan((tokens.Length - 1) * Config.HiddenSize, Config.HiddenSize), logits, 1);
        return logits;
    }

    /// <summary>Logits of every position of one fresh sequence: [tokens, vocab].</summary>
    public float[] ForwardAll(int[] tokens)
    {
        var cache = CreateCache(tokens.Length);
        var hidden = ForwardHidden([tokens], [cache]);
        var logits = new float[(long)tokens.Length * Config.VocabSize];
        Logits(hidden, logits, tokens.Length);
        return logits;
    }
}
