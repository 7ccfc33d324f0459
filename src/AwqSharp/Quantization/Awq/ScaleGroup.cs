namespace AwqSharp.Quantization.Awq;

/// <summary>
/// The four groups of linears AWQ scales together in a Llama block, each with the op that absorbs
/// the inverse scale and the module whose output error the search minimises (llm-awq
/// <c>auto_scale_block</c>, AutoAWQ <c>get_layers_for_scaling</c>):
/// <list type="number">
/// <item><c>input_layernorm</c> → q, k, v; loss on the attention output.</item>
/// <item><c>v_proj</c> (its output rows) → o_proj; loss on o_proj; only when v_proj and o_proj have the same shape (no GQA).</item>
/// <item><c>post_attention_layernorm</c> → gate, up; loss on the MLP output.</item>
/// <item><c>up_proj</c> (its output rows) → down_proj; loss on down_proj.</item>
/// </list>
/// </summary>
public enum ScaleGroup
{
    QkvFromInputNorm,
    OutFromValue,
    GateUpFromPostNorm,
    DownFromUp,
}
