namespace AwqSharp.Models;

/// <summary>The four activations that feed a block's linear layers (linears that share an input share a kind).</summary>
public enum BlockInput
{
    /// <summary>input_layernorm output, the input of q_proj, k_proj and v_proj.</summary>
    Attention,
    /// <summary>the attention output, the input of o_proj.</summary>
    AttentionOutput,
    /// <summary>post_attention_layernorm output, the input of gate_proj and up_proj.</summary>
    Mlp,
    /// <summary>silu(gate) * up, the input of down_proj.</summary>
    MlpDown,
}

/// <summary>Sees the inputs of a block's linear layers as the model runs (calibration uses it).</summary>
public interface IBlockObserver
{
    void OnInput(int layer, BlockInput kind, ReadOnlySpan<float> x, int rows, int columns);
}

/// <summary>One sequence's rows inside a batched forward: rows [Row, Row+Count) of the activations, appended to <see cref="Cache"/>.</summary>
public readonly record struct SequenceSlice(int Row, int Count, Runtime.KvCache Cache);
