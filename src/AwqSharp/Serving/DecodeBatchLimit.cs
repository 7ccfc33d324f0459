using AwqSharp.Kernels;
using AwqSharp.Kernels.Int4;
using AwqSharp.Models;
using AwqSharp.Runtime;

namespace AwqSharp.Serving;

/// <summary>
/// How many sequences one decode forward pass may take while every sequence's logits stay bitwise what they are
/// when it runs alone. The linear kernels choose their algorithm by the number of rows, and only the few-row ones
/// compute each row independently of the others: the dense streaming dot products (below
/// <see cref="MatMul.PackedMinRows"/>) and the INT4 GEMV (up to <see cref="PackedInt4Matrix.GemvMaxRows"/>). Every other
/// part of a step (norms, RoPE, attention, SwiGLU) is per row or per sequence.
/// </summary>
internal static class DecodeBatchLimit
{
    /// <summary>The smallest limit over the model's linear layers (at least 1).</summary>
    public static int For(LlamaModel model)
    {
        int limit = For(model.Weights.LmHead);
        foreach (var layer in model.Weights.Layers)
            foreach (var (_, linear) in layer.Linears())
                limit = Math.Min(limit, For(linear));
        return Math.Max(1, limit);
    }

    /// <summary>The rows one product of <paramref name="linear"/> may take with row-independent results; 1 for a kernel not known to have any.</summary>
    public static int For(ILinear linear) => linear switch
    {
        DenseLinear => MatMul.PackedMinRows(KernelIsaSelector.Resolve(KernelIsa.Auto)) - 1,
        PackedInt4Linear int4 => PackedInt4Matrix.GemvMaxRows(Int4Kernels.Active, int4.Matrix),
        _ => 1,
    };
}
