namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// The hyper-parameters in a llama2.c checkpoint header, validated. Matrix shapes follow PyTorch's
/// <c>nn.Linear</c> weights, [out, in] row-major: wq [Dim, Dim], wk/wv [KvDim, Dim], wo [Dim, Dim],
/// w1/w3 [HiddenDim, Dim], w2 [Dim, HiddenDim], embedding and classifier [VocabSize, Dim].
/// </summary>
public sealed record Llama2cConfig
{
    /// <summary>Model (residual stream) width, llama2.c's <c>dim</c>.</summary>
    public required int Dim { get; init; }

    /// <summary>Feed-forward width, <c>hidden_dim</c>.</summary>
    public required int HiddenDim { get; init; }

    /// <summary>Number of transformer blocks, <c>n_layers</c>.</summary>
    public required int NumLayers { get; init; }

    /// <summary>Number of query heads, <c>n_heads</c>.</summary>
    public required int NumHeads { get; init; }

    /// <summary>Number of key/value heads, <c>n_kv_heads</c> (fewer than <see cref="NumHeads"/> for grouped-query attention).</summary>
    public required int NumKvHeads { get; init; }

    /// <summary>Vocabulary size (always positive here; the legacy header's sign is <see cref="SharedClassifier"/>).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Maximum sequence length, <c>seq_len</c> (HuggingFace's <c>max_position_embeddings</c>).</summary>
    public required int SeqLen { get; init; }

    /// <summary>Whether the output classifier is the token embedding (tied); otherwise the file stores its own classifier.</summary>
    public required bool SharedClassifier { get; init; }

    /// <summary>The file layout the header came from.</summary>
    public required Llama2cFormat Format { get; init; }

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => Dim / NumHeads;

    /// <summary>Width of the key and value projections, <see cref="NumKvHeads"/> x <see cref="HeadSize"/>.</summary>
    public int KvDim => NumKvHeads * HeadSize;

    /// <summary>Number of parameters of the model (RoPE tables excluded, a tied classifier counted once).</summary>
    public long ParameterCount
    {
        get
        {
            long d = Dim, h = HiddenDim, kv = KvDim;
            long perLayer = 2 * d + 2 * d * d + 2 * kv * d + 3 * h * d;
            return checked(VocabSize * d * (SharedClassifier ? 1 : 2) + NumLayers * perLayer + d);
        }
    }

    /// <summary>Checks the invariants every llama2.c model satisfies; <paramref name="path"/> names the file in errors.</summary>
    /// <exception cref="InvalidModelFileException">A dimension is not positive, or the head counts do not divide.</exception>
    public void Validate(string path)
    {
        Positive(path, "dim", Dim);
        Positive(path, "hidden_dim", HiddenDim);
        Positive(path, "n_layers", NumLayers);
        Positive(path, "n_heads", NumHeads);
        Positive(path, "n_kv_heads", NumKvHeads);
        Positive(path, "vocab_size", VocabSize);
        Positive(path, "seq_len", SeqLen);
        if (Dim % NumHeads != 0)
            throw new InvalidModelFileException(path, $"header field n_heads = {NumHeads} does not divide dim = {Dim}");
        if (NumHeads % NumKvHeads != 0)
            throw new InvalidModelFileException(path, $"header field n_kv_heads = {NumKvHeads} does not divide n_heads = {NumHeads}");
        if (HeadSize % 2 != 0)
            throw new InvalidModelFileException(path, $"head size dim / n_heads = {HeadSize} is odd; RoPE rotates pairs, so it must be even");
    }

    private static void Positive(string path, string field, int value)
    {
        if (value <= 0) throw new InvalidModelFileException(path, $"header field {field} = {value} must be positive");
    }

    /// <summary>A one-line description for logs, e.g. "legacy, dim 64, hidden 172, 5 layers, 8/4 heads, vocab 512, seq_len 512, shared classifier".</summary>
    public string Describe() =>
        $"{(Format == Llama2cFormat.Legacy ? "legacy" : "version 1")}, dim {Dim}, hidden {HiddenDim}, {NumLayers} layers, " +
        $"{NumHeads}/{NumKvHeads} heads, vocab {VocabSize}, seq_len {SeqLen}, {(SharedClassifier ? "shared" : "separate")} classifier";
}
