namespace AwqSharp.Kernels;

/// <summary>Pinned operands and shape of one <see cref="Attention.CausalSelfAttention(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, int, int)"/> call.</summary>
internal readonly unsafe struct AttentionShape
{
    public AttentionShape(float* q, float* k, float* v, float* output, int tq, int startPos, int nHeads, int nKvHeads, int headDim)
    {
        Q = q; K = k; V = v; Output = output; Tq = tq; StartPos = startPos; NHeads = nHeads; NKvHeads = nKvHeads; HeadDim = headDim;
    }

    /// <summary>Queries <c>[Tq, NHeads · HeadDim]</c>.</summary>
    public float* Q { get; }
    /// <summary>Key cache <c>[positions, NKvHeads · HeadDim]</c>.</summary>
    public float* K { get; }
    /// <summary>Value cache, laid out as <see cref="K"/>.</summary>
    public float* V { get; }
    /// <summary>Result, laid out as <see cref="Q"/>.</summary>
    public float* Output { get; }
    public int Tq { get; }
    public int StartPos { get; }
    public int NHeads { get; }
    public int NKvHeads { get; }
    public int HeadDim { get; }

    /// <summary>Row stride of queries and output.</summary>
    public int Ldq => NHeads * HeadDim;

    /// <summary>Row stride of the key and value caches.</summary>
    public int Ldkv => NKvHeads * HeadDim;

    /// <summary>Positions visible to the last query.</summary>
    public int Positions => StartPos + Tq;
}
