using System.Runtime.InteropServices;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Kernels.Float16;
using AwqSharp.Runtime;

namespace AwqSharp.Models;

/// <summary>
/// Reads Llama-family weights from a checkpoint into float32 (or quantized) layers, checking every
/// tensor's presence and shape against config.json. Layers can be loaded one at a time, which is how
/// quantization streams a model block by block.
/// </summary>
public static class ModelLoader
{
    /// <summary>Readers of quantized linear layers, tried in order when a linear has no dense <c>.weight</c>.</summary>
    public static readonly List<IQuantizedLinearReader> QuantizedReaders = [new Formats.AutoAwq.AwqLinearReader()];

    public static LlamaModel Load(string modelDirectory, IProgress<string>? progress = null, CancellationToken cancellationToken = default,
        QuantizedBackend backend = QuantizedBackend.Packed, DenseStorage dense = DenseStorage.Float32)
    {
        var config = ModelConfig.Load(modelDirectory);
        using var source = SafetensorsCheckpoint.Open(modelDirectory);
        return new LlamaModel(config, LoadWeights(source, config, progress, cancellationToken, backend, dense));
    }

    public static LlamaWeights LoadWeights(ITensorSource source, ModelConfig config, IProgress<string>? progress = null, CancellationToken cancellationToken = default,
        QuantizedBackend backend = QuantizedBackend.Packed, DenseStorage dense = DenseStorage.Float32)
    {
        var embeddings = LoadEmbeddings(source, config);
        var layers = new LayerWeights[config.NumLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report($"loading layer {i + 1}/{layers.Length}");
            layers[i] = LoadLayer(source, config, i, backend, dense);
        }
        var finalNorm = LoadVector(source, WeightNames.FinalNorm, config.HiddenSize);
        return new LlamaWeights { Embeddings = embeddings, Layers = layers, FinalNorm = finalNorm, LmHead = LoadLmHead(source, config, embeddings, dense) };
    }

    public static float[] LoadEmbeddings(ITensorSource source, ModelConfig config) =>
        LoadMatrix(source, WeightNames.Embeddings, config.VocabSize, config.HiddenSize);

    public static ILinear LoadLmHead(ITensorSource source, ModelConfig config, float[] embeddings, DenseStorage dense = DenseStorage.Float32)
    {
        if (!config.TieWordEmbeddings && source.Contains(WeightNames.LmHead))
            return LoadLinear(source, config, "lm_head", config.VocabSize, config.HiddenSize, bias: false, dense: dense);
        if (!config.TieWordEmbeddings)
            throw new InvalidModelFileException(Describe(source), $"tensor '{WeightNames.LmHead}' is missing and tie_word_embeddings is false");
        return new DenseLinear(embeddings, config.VocabSize, config.HiddenSize);
    }

    public static float[] LoadFinalNorm(ITensorSource source, ModelConfig config) => LoadVector(source, WeightNames.FinalNorm, config.HiddenSize);

    public static LayerWeights LoadLayer(ITensorSource source, ModelConfig c, int layer, QuantizedBackend backend = QuantizedBackend.Packed,
        DenseStorage dense = DenseStorage.Float32)
    {
        ILinear L(string rel, int outF, int inF, bool bias) => LoadLinear(source, c, WeightNames.Linear(layer, rel), outF, inF, bias, backend, dense);
        return new LayerWeights
        {
            InputNorm = LoadVector(source, WeightNames.InputNorm(layer), c.HiddenSize),
            Q = L("self_attn.q_proj", c.QDim, c.HiddenSize, c.QkvBias),
            K = L("self_attn.k_proj", c.KvDim, c.HiddenSize, c.QkvBias),
            V = L("self_attn.v_proj", c.KvDim, c.HiddenSize, c.QkvBias),
            O = L("self_attn.o_proj", c.HiddenSize, c.QDim, c.OutputBias),
            PostAttentionNorm = LoadVector(source, WeightNames.PostAttentionNorm(layer), c.HiddenSize),
            Gate = L("mlp.gate_proj", c.IntermediateSize, c.HiddenSize, c.MlpBias),
            Up = L("mlp.up_proj", c.IntermediateSize, c.HiddenSize, c.MlpBias),
            Down = L("mlp.down_proj", c.HiddenSize, c.IntermediateSize, c.MlpBias),
        };
    }

    /// <summary>A linear by module name: dense <c>name.weight</c>, or quantized through <see cref="QuantizedReaders"/>.</summary>
    public static ILinear LoadLinear(ITensorSource source, ModelConfig config, string name, int outFeatures, int inFeatures, bool bias,
        QuantizedBackend backend = QuantizedBackend.Packed, DenseStorage dense = DenseStorage.Float32)
    {
        float[]? b = bias ? LoadVector(source, name + ".bias", outFeatures) : null;
        if (source.Contains(name + ".weight"))
        {
            if (dense == DenseStorage.KeepHalf && LoadHalfMatrix(source, name + ".weight", outFeatures, inFeatures) is { } half)
                return new HalfPrecisionLinear(half, b);
            return new DenseLinear(LoadMatrix(source, name + ".weight", outFeatures, inFeatures), outFeatures, inFeatures, b);
        }
        foreach (var reader in QuantizedReaders)
        {
            var linear = reader.TryRead(source, config, name, outFeatures, inFeatures, b, backend);
            if (linear is not null) return linear;
        }
        if (source.Contains(name + ".qweight"))
            throw new UnsupportedModelException($"{Describe(source)}: '{name}' is quantized ({name}.qweight) in a format this build cannot read (quantization_config: {config.QuantizationConfig?.ToJsonString() ?? "none"})");
        throw new InvalidModelFileException(Describe(source), $"tensor '{name}.weight' is missing");
    }

    public static float[] LoadMatrix(ITensorSource source, string name, int rows, int cols)
    {
        RequireMatrix(source, name, rows, cols);
        return source.ReadFloat32(name);
    }

    /// <summary>An F16 or BF16 matrix kept in its 16-bit format (repacked out of the mapping once); null for other dtypes.</summary>
    public static HalfMatrix? LoadHalfMatrix(ITensorSource source, string name, int rows, int cols)
    {
        var info = RequireMatrix(source, name, rows, cols);
        HalfFormat format;
        if (info.DType == SafetensorsDType.F16) format = HalfFormat.Float16;
        else if (info.DType == SafetensorsDType.BF16) format = HalfFormat.BFloat16;
        else return null;
        try
        {
            return new HalfMatrix(MemoryMarshal.Cast<byte, ushort>(source.GetBytes(name)), rows, cols, format);
        }
        catch (ArgumentException e)
        {
            throw new InvalidModelFileException(Describe(source), $"tensor '{name}': {e.Message}");
        }
    }

    private static TensorInfo RequireMatrix(ITensorSource source, string name, int rows, int cols)
    {
        var info = Require(source, name);
        if (info.Shape.Length != 2 || info.Shape[0] != rows || info.Shape[1] != cols)
            throw new InvalidModelFileException(Describe(source), $"tensor '{name}' has shape {info.ShapeText}, config.json implies [{rows}, {cols}]");
        return info;
    }

    public static float[] LoadVector(ITensorSource source, string name, int length)
    {
        var info = Require(source, name);
        if (info.Shape.Length != 1 || info.Shape[0] != length)
            throw new InvalidModelFileException(Describe(source), $"tensor '{name}' has shape {info.ShapeText}, config.json implies [{length}]");
        return source.ReadFloat32(name);
    }

    private static TensorInfo Require(ITensorSource source, string name) =>
        source.Contains(name) ? source.GetInfo(name) : throw new InvalidModelFileException(Describe(source), $"tensor '{name}' is missing");

    internal static string Describe(ITensorSource source) => source switch
    {
        SafetensorsCheckpoint c => c.Location,
        SafetensorsFile f => f.Path,
        _ => "checkpoint",
    };
}

/// <summary>Builds a quantized <see cref="ILinear"/> from a checkpoint's tensors (AutoAWQ GEMM, AwqSharp's own layout...).</summary>
public interface IQuantizedLinearReader
{
    /// <summary>Returns null when <paramref name="name"/> is not stored in this reader's format.</summary>
    ILinear? TryRead(ITensorSource source, ModelConfig config, string name, int outFeatures, int inFeatures, float[]? bias, QuantizedBackend backend);
}
