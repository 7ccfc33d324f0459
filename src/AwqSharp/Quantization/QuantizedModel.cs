using AwqSharp.Models;

namespace AwqSharp.Quantization;

/// <summary>The quantized weights of one decoder block, with its (possibly AWQ-scaled) norms and biases.</summary>
public sealed class QuantizedLayer
{
    public required float[] InputNorm { get; init; }
    public required float[] PostAttentionNorm { get; init; }
    /// <summary>Keyed by the linear's name relative to the layer, e.g. <c>self_attn.q_proj</c>.</summary>
    public required IReadOnlyDictionary<string, QuantizedWeight> Linears { get; init; }
    /// <summary>Biases of the linears that have one (Qwen2's q/k/v), same keys.</summary>
    public required IReadOnlyDictionary<string, float[]> Biases { get; init; }
}

/// <summary>
/// A quantized model in memory: config, the unquantized tensors (embeddings, final norm, lm_head),
/// and per block the quantized linears. Checkpoint writers save it; <see cref="ToLlamaModel"/> runs it.
/// </summary>
public sealed class QuantizedModel
{
    public required ModelConfig Config { get; init; }
    public required QuantizationOptions Options { get; init; }
    public required QuantizationMethod Method { get; init; }
    public required float[] Embeddings { get; init; }
    public required float[] FinalNorm { get; init; }
    /// <summary>null when tied to the embeddings.</summary>
    public required float[]? LmHead { get; init; }
    public required QuantizedLayer[] Layers { get; init; }

    /// <summary>
    /// A runnable model: by default its linears are the dequantized weights in float32 (the reference of what the
    /// quantized model computes); with <see cref="QuantizedBackend.Packed"/> 4-bit weights run on the INT4 kernels.
    /// </summary>
    public LlamaModel ToLlamaModel(QuantizedBackend backend = QuantizedBackend.Dequantized)
    {
        var c = Config;
        var layers = Layers.Select(l =>
        {
            ILinear L(string name) => Formats.AutoAwq.AwqLinearReader.CreateLinear(l.Linears[name], l.Biases.GetValueOrDefault(name), backend);
            return new LayerWeights
            {
                InputNorm = l.InputNorm, PostAttentionNorm = l.PostAttentionNorm,
                Q = L("self_attn.q_proj"), K = L("self_attn.k_proj"), V = L("self_attn.v_proj"), O = L("self_attn.o_proj"),
                Gate = L("mlp.gate_proj"), Up = L("mlp.up_proj"), Down = L("mlp.down_proj"),
            };
        }).ToArray();
        return new LlamaModel(c, new LlamaWeights
        {
            Embeddings = Embeddings, Layers = layers, FinalNorm = FinalNorm,
            LmHead = new DenseLinear(LmHead ?? Embeddings, c.VocabSize, c.HiddenSize),
        });
    }
}
