using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels;

/// <summary>Scaled dot-product attention over a key/value cache (Llama: causal, grouped-query).</summary>
public static class Attention
{
    /// <summary>Query positions per prefill work item (each item covers all heads of one kv group).</summary>
    internal const int QueryBlock = 32;

    /// <summary>
    /// Causal grouped-query self-attention of one sequence. Query row <c>t</c> (position <c>startPos + t</c>)
    /// attends to cache positions <c>0..startPos + t</c>: <c>out = softmax(q·Kᵀ / sqrt(headDim)) · V</c>, per head;
    /// head <c>h</c> reads kv head <c>h / (nHeads / nKvHeads)</c>.
    /// </summary>
    /// <param name="q">Queries <c>[tq, nHeads · headDim]</c> (already rotated).</param>
    /// <param name="keyCache">Keys <c>[positions, nKvHeads · headDim]</c>; rows <c>0..startPos + tq − 1</c> are read.</param>
    /// <param name="valueCache">Values, laid out as <paramref name="keyCache"/>.</param>
    /// <param name="output">Result <c>[tq, nHeads · headDim]</c>.</param>
    /// <param name="tq">Number of query positions (1 when decoding).</param>
    /// <param name="startPos">Position of the first query (tokens already in the cache before this call).</param>
    /// <param name="nHeads">Query heads.</param>
    /// <param name="nKvHeads">Key/value heads; must divide <paramref name="nHeads"/>.</param>
    /// <param name="headDim">Elements per head.</param>
    /// <remarks>
    /// Multi-threaded over kv heads × blocks of <see cref="QueryBlock"/> queries (one work item per kv head when
    /// decoding); per thread a transposed copy of one kv head's keys (<c>headDim × positions</c>) and 32 score rows
    /// (<c>32 × positions</c>), pooled: no O(T²) buffer. Scores and outputs are register-tiled SIMD products, the
    /// softmax sums in float64, and every output element is reduced in a fixed order, so results do not depend on
    /// the thread count, and decoding position <c>t</c> alone gives exactly row <c>t</c> of a prefill.
    /// See <see cref="AttentionKernel{TVec, TSimd}"/>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or zero where it must be positive.</exception>
    /// <exception cref="ArgumentException">The heads do not group evenly, or a span is shorter than its shape needs.</exception>
    public static void CausalSelfAttention(ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache, Span<float> output,
        int tq, int startPos, int nHeads, int nKvHeads, int headDim)
        => CausalSelfAttentionCore(q, keyCache, valueCache, output, tq, startPos, nHeads, nKvHeads, headDim, KernelIsa.Auto, degree: 0);

    internal static unsafe void CausalSelfAttentionCore(ReadOnlySpan<float> q, ReadOnlySpan<float> keyCache, ReadOnlySpan<float> valueCache, Span<float> output,
        int tq, int startPos, int nHeads, int nKvHeads, int headDim, KernelIsa isa, int degree)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tq);
        ArgumentOutOfRangeException.ThrowIfNegative(startPos);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nKvHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        if (nHeads % nKvHeads != 0) throw new ArgumentException($"nHeads = {nHeads} is not a multiple of nKvHeads = {nKvHeads}", nameof(nKvHeads));
        long qLen = (long)tq * nHeads * headDim, kvLen = (long)(startPos + tq) * nKvHeads * headDim;
        if (q.Length < qLen) throw new ArgumentException($"q has {q.Length} elements, needs tq*nHeads*headDim = {qLen}", nameof(q));
        if (output.Length < qLen) throw new ArgumentException($"output has {output.Length} elements, needs tq*nHeads*headDim = {qLen}", nameof(output));
        if (keyCache.Length < kvLen) throw new ArgumentException($"keyCache has {keyCache.Length} elements, needs (startPos+tq)*nKvHeads*headDim = {kvLen}", nameof(keyCache));
        if (valueCache.Length < kvLen) throw new ArgumentException($"valueCache has {valueCache.Length} elements, needs (startPos+tq)*nKvHeads*headDim = {kvLen}", nameof(valueCache));
        if (tq == 0) return;

        fixed (float* pq = q, pk = keyCache, pv = valueCache, po = output)
        {
            var shape = new AttentionShape(pq, pk, pv, po, tq, startPos, nHeads, nKvHeads, headDim);
            var resolved = KernelIsaSelector.Resolve(isa);
            // Auto: never use vectors wider than the head (small models have head_dim 8): the kernel's vector loops
            // would be skipped and everything would run in its scalar tail.
            if (isa == KernelIsa.Auto && resolved == KernelIsa.Avx512 && headDim < Vector512<float>.Count) resolved = KernelIsa.Avx2;
            if (isa == KernelIsa.Auto && resolved == KernelIsa.Avx2 && headDim < Vector256<float>.Count) resolved = KernelIsa.Portable;
            switch (resolved)
            {
                case KernelIsa.Avx512: AttentionKernel<Vector512<float>, Simd512>.Run(shape, Parallelism.Resolve(degree)); break;
                case KernelIsa.Avx2: AttentionKernel<Vector256<float>, Simd256>.Run(shape, Parallelism.Resolve(degree)); break;
                default: AttentionKernel<Vector128<float>, Simd128>.Run(shape, Parallelism.Resolve(degree)); break;
            }
        }
    }
}
