namespace AwqSharp.Formats.Llama2c;

/// <summary>The weights of one transformer block of a llama2.c checkpoint, float32 row-major [out, in] (see <see cref="Llama2cConfig"/>).</summary>
/// <param name="AttentionNorm">rms_att weight [Dim].</param>
/// <param name="Wq">Query projection [Dim, Dim], rows in llama2.c's interleaved RoPE order.</param>
/// <param name="Wk">Key projection [KvDim, Dim], rows in llama2.c's interleaved RoPE order.</param>
/// <param name="Wv">Value projection [KvDim, Dim].</param>
/// <param name="Wo">Output projection [Dim, Dim].</param>
/// <param name="FfnNorm">rms_ffn weight [Dim].</param>
/// <param name="W1">Gate projection [HiddenDim, Dim].</param>
/// <param name="W2">Down projection [Dim, HiddenDim].</param>
/// <param name="W3">Up projection [HiddenDim, Dim].</param>
public sealed record Llama2cLayerWeights(
    float[] AttentionNorm, float[] Wq, float[] Wk, float[] Wv, float[] Wo, float[] FfnNorm, float[] W1, float[] W2, float[] W3);

/// <summary>
/// A whole llama2.c float32 checkpoint (legacy or version 1) read into arrays. The RoPE tables of legacy files are not
/// kept: they are a function of the config. Everything is validated against the header before a tensor is read.
/// </summary>
public sealed class Llama2cCheckpoint
{
    private Llama2cCheckpoint(Llama2cConfig config, float[] tokenEmbedding, IReadOnlyList<Llama2cLayerWeights> layers, float[] finalNorm, float[]? classifier)
    {
        Config = config; TokenEmbedding = tokenEmbedding; Layers = layers; FinalNorm = finalNorm; Classifier = classifier;
    }

    /// <summary>The validated header.</summary>
    public Llama2cConfig Config { get; }

    /// <summary>Token embedding [VocabSize, Dim].</summary>
    public float[] TokenEmbedding { get; }

    /// <summary>One entry per transformer block.</summary>
    public IReadOnlyList<Llama2cLayerWeights> Layers { get; }

    /// <summary>Final RMSNorm weight [Dim].</summary>
    public float[] FinalNorm { get; }

    /// <summary>The separate output classifier [VocabSize, Dim], or null when it is shared with <see cref="TokenEmbedding"/>.</summary>
    public float[]? Classifier { get; }

    /// <summary>The weights that produce the logits: <see cref="Classifier"/>, or the embedding when shared.</summary>
    public float[] OutputWeights => Classifier ?? TokenEmbedding;

    /// <summary>Reads the header of <paramref name="path"/> and checks the file size it implies, without reading tensors.</summary>
    /// <exception cref="InvalidModelFileException">Malformed header, or a file truncated or longer than the header says.</exception>
    /// <exception cref="UnsupportedModelException">A quantized (version 2) or unknown export.</exception>
    public static Llama2cConfig ReadConfig(string path) => Llama2cHeader.Read(path).Config;

    /// <summary>Reads a whole checkpoint into memory.</summary>
    /// <exception cref="InvalidModelFileException">Malformed header, or a file truncated or longer than the header says.</exception>
    /// <exception cref="UnsupportedModelException">A quantized (version 2) or unknown export.</exception>
    public static Llama2cCheckpoint Read(string path, CancellationToken cancellationToken = default)
    {
        var layout = Llama2cHeader.Read(path);
        using var reader = new Llama2cTensorReader(path, layout);
        var config = layout.Config;
        var layers = new Llama2cLayerWeights[config.NumLayers];
        for (int l = 0; l < layers.Length; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            layers[l] = new Llama2cLayerWeights(
                reader.Read(Llama2cTensor.AttentionNorm, l), reader.Read(Llama2cTensor.Wq, l), reader.Read(Llama2cTensor.Wk, l),
                reader.Read(Llama2cTensor.Wv, l), reader.Read(Llama2cTensor.Wo, l), reader.Read(Llama2cTensor.FfnNorm, l),
                reader.Read(Llama2cTensor.W1, l), reader.Read(Llama2cTensor.W2, l), reader.Read(Llama2cTensor.W3, l));
        }
        var classifier = config.SharedClassifier ? null : reader.Read(Llama2cTensor.Classifier);
        return new Llama2cCheckpoint(config, reader.Read(Llama2cTensor.TokenEmbedding), layers, reader.Read(Llama2cTensor.FinalNorm), classifier);
    }
}
