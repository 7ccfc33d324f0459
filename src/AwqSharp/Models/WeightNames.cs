namespace AwqSharp.Models;

/// <summary>HuggingFace tensor names of the Llama family.</summary>
public static class WeightNames
{
    public const string Embeddings = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";
    public static string Layer(int layer) => $"model.layers.{layer}";
    public static string InputNorm(int layer) => $"model.layers.{layer}.input_layernorm.weight";
    public static string PostAttentionNorm(int layer) => $"model.layers.{layer}.post_attention_layernorm.weight";
    /// <summary>The module name of a linear, e.g. <c>model.layers.3.self_attn.q_proj</c> (add ".weight", ".qweight"...).</summary>
    public static string Linear(int layer, string relative) => $"model.layers.{layer}.{relative}";
}
