namespace AwqSharp.Models;

/// <summary>The weights of one decoder block. Linear layers may be dense or quantized.</summary>
public sealed class LayerWeights
{
    public required float[] InputNorm { get; init; }          // (hidden)
    public required ILinear Q { get; set; }                   // (heads*headDim, hidden)
    public required ILinear K { get; set; }                   // (kvHeads*headDim, hidden)
    public required ILinear V { get; set; }                   // (kvHeads*headDim, hidden)
    public required ILinear O { get; set; }                   // (hidden, heads*headDim)
    public required float[] PostAttentionNorm { get; init; }  // (hidden)
    public required ILinear Gate { get; set; }                // (intermediate, hidden)
    public required ILinear Up { get; set; }                  // (intermediate, hidden)
    public required ILinear Down { get; set; }                // (hidden, intermediate)

    /// <summary>The seven linears with their HuggingFace names (relative to the layer).</summary>
    public IEnumerable<(string Name, ILinear Linear)> Linears()
    {
        yield return ("self_attn.q_proj", Q);
        yield return ("self_attn.k_proj", K);
        yield return ("self_attn.v_proj", V);
        yield return ("self_attn.o_proj", O);
        yield return ("mlp.gate_proj", Gate);
        yield return ("mlp.up_proj", Up);
        yield return ("mlp.down_proj", Down);
    }

    public long WeightBytes => Linears().Sum(l => l.Linear.WeightBytes) + (InputNorm.Length + PostAttentionNorm.Length) * sizeof(float);
}

/// <summary>All the weights of a Llama-family model (the llama2.c "TransformerWeights").</summary>
public sealed class LlamaWeights
{
    public required float[] Embeddings { get; init; }   // (vocab, hidden)
    public required LayerWeights[] Layers { get; init; }
    public required float[] FinalNorm { get; init; }    // (hidden)
    /// <summary>(vocab, hidden); the same object as the embedding matrix when tied.</summary>
    public required ILinear LmHead { get; set; }

    public long WeightBytes => (long)Embeddings.Length * sizeof(float) + Layers.Sum(l => l.WeightBytes) + FinalNorm.Length * sizeof(float) + LmHead.WeightBytes;
}
