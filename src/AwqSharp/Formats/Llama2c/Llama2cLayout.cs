namespace AwqSharp.Formats.Llama2c;

/// <summary>The tensors a llama2.c checkpoint stores (each, except the final norm and embeddings, once per layer).</summary>
internal enum Llama2cTensor
{
    TokenEmbedding, AttentionNorm, Wq, Wk, Wv, Wo, FfnNorm, W1, W2, W3, FinalNorm, FreqCisReal, FreqCisImag, Classifier,
}

/// <summary>Where one tensor kind lies in the file: <paramref name="Layers"/> consecutive [Rows, Cols] float32 matrices.</summary>
internal readonly record struct Llama2cBlock(Llama2cTensor Tensor, long Offset, int Rows, int Cols, int Layers)
{
    public long ElementsPerLayer => (long)Rows * Cols;
    public long ByteLength => checked(ElementsPerLayer * Layers * sizeof(float));
    public long OffsetOf(int layer) => Offset + layer * ElementsPerLayer * sizeof(float);
}

/// <summary>
/// Byte offsets of every tensor in a llama2.c checkpoint, computed from its header alone (as <c>run.c</c>'s
/// <c>memory_map_weights</c> and <c>export.py</c>'s <c>legacy_export</c> / <c>version1_export</c> lay them out).
/// </summary>
internal sealed class Llama2cLayout
{
    /// <summary>Bytes of the legacy header (7 int32).</summary>
    public const int LegacyHeaderBytes = 7 * sizeof(int);

    /// <summary>Bytes of the version 1 header (magic, version, 7 int32, flag byte, zero padding).</summary>
    public const int Version1HeaderBytes = 256;

    private readonly Dictionary<Llama2cTensor, Llama2cBlock> _blocks = new();

    private Llama2cLayout(Llama2cConfig config)
    {
        Config = config;
        int d = config.Dim, h = config.HiddenDim, L = config.NumLayers, kv = config.KvDim, v = config.VocabSize;
        long offset;
        void Add(Llama2cTensor t, int rows, int cols, int layers)
        {
            var block = new Llama2cBlock(t, offset, rows, cols, layers);
            _blocks.Add(t, block);
            offset = checked(offset + block.ByteLength);
        }

        if (config.Format == Llama2cFormat.Legacy)
        {
            offset = LegacyHeaderBytes;
            Add(Llama2cTensor.TokenEmbedding, v, d, 1);
            Add(Llama2cTensor.AttentionNorm, 1, d, L);
            Add(Llama2cTensor.Wq, d, d, L);
            Add(Llama2cTensor.Wk, kv, d, L);
            Add(Llama2cTensor.Wv, kv, d, L);
            Add(Llama2cTensor.Wo, d, d, L);
            Add(Llama2cTensor.FfnNorm, 1, d, L);
            Add(Llama2cTensor.W1, h, d, L);
            Add(Llama2cTensor.W2, d, h, L);
            Add(Llama2cTensor.W3, h, d, L);
            Add(Llama2cTensor.FinalNorm, 1, d, 1);
            Add(Llama2cTensor.FreqCisReal, config.SeqLen, config.HeadSize / 2, 1);
            Add(Llama2cTensor.FreqCisImag, config.SeqLen, config.HeadSize / 2, 1);
        }
        else
        {
            offset = Version1HeaderBytes;
            Add(Llama2cTensor.AttentionNorm, 1, d, L);
            Add(Llama2cTensor.FfnNorm, 1, d, L);
            Add(Llama2cTensor.FinalNorm, 1, d, 1);
            Add(Llama2cTensor.TokenEmbedding, v, d, 1);
            Add(Llama2cTensor.Wq, d, d, L);
            Add(Llama2cTensor.Wk, kv, d, L);
            Add(Llama2cTensor.Wv, kv, d, L);
            Add(Llama2cTensor.Wo, d, d, L);
            Add(Llama2cTensor.W1, h, d, L);
            Add(Llama2cTensor.W2, d, h, L);
            Add(Llama2cTensor.W3, h, d, L);
        }
        if (!config.SharedClassifier) Add(Llama2cTensor.Classifier, v, d, 1);
        FileSize = offset;
    }

    public Llama2cConfig Config { get; }

    /// <summary>The exact size in bytes a file with this header must have.</summary>
    public long FileSize { get; }

    public bool Contains(Llama2cTensor tensor) => _blocks.ContainsKey(tensor);

    public Llama2cBlock this[Llama2cTensor tensor] => _blocks[tensor];

    /// <summary>The layout of <paramref name="config"/>; <paramref name="path"/> names the file when the sizes overflow.</summary>
    public static Llama2cLayout For(Llama2cConfig config, string path)
    {
        try { return new Llama2cLayout(config); }
        catch (OverflowException)
        {
            throw new InvalidModelFileException(path, $"header ({config.Describe()}) implies a file larger than {long.MaxValue} bytes");
        }
    }
}
