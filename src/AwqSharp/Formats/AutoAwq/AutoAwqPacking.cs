using AwqSharp.Quantization;

namespace AwqSharp.Formats.AutoAwq;

/// <summary>
/// AutoAWQ's "GEMM" tensor layout (<c>WQLinear_GEMM</c>, also read by vLLM and transformers) for a linear
/// <c>W[out, in]</c> with group size G:
/// <list type="bullet">
/// <item><c>qweight</c> int32 <c>[in, out/8]</c>: eight 4-bit codes per word, packed along the <b>output</b> dimension in
/// AWQ order — nibble <c>i</c> (bits <c>4i..4i+3</c>) of word <c>[k, c]</c> holds output channel <c>8c + AwqOrder[i]</c>,
/// <c>AwqOrder = [0, 2, 4, 6, 1, 3, 5, 7]</c>;</item>
/// <item><c>qzeros</c> int32 <c>[in/G, out/8]</c>: the zero points, packed the same way (raw, no ±1 offset);</item>
/// <item><c>scales</c> float16 <c>[in/G, out]</c>.</item>
/// </list>
/// Dequantization: <c>W[n, k] = (q[k, n] - z[k/G, n]) · s[k/G, n]</c>. Words are the raw bit pattern (negative when
/// nibble 7 ≥ 8).
/// </summary>
public static class AutoAwqPacking
{
    /// <summary>Codes per int32 word.</summary>
    public const int PackFactor = 8;

    /// <summary>The only bit width the GEMM layout stores.</summary>
    public const int Bits = 4;

    /// <summary>Nibble <c>i</c> of a word holds channel <c>AwqOrder[i]</c> of its 8-channel block.</summary>
    public static ReadOnlySpan<int> AwqOrder => [0, 2, 4, 6, 1, 3, 5, 7];

    /// <summary>Channel <c>t</c> of an 8-channel block sits in nibble <c>AwqReverseOrder[t]</c> (the inverse permutation).</summary>
    public static ReadOnlySpan<int> AwqReverseOrder => [0, 4, 1, 5, 2, 6, 3, 7];

    /// <summary>
    /// Packs a 4-bit weight into AutoAWQ GEMM tensors. Scales are rounded to the nearest float16; the codes are kept as
    /// they are (quantize with <see cref="QuantizationPrecision.Float16"/> to make this lossless and AutoAWQ-identical).
    /// </summary>
    /// <exception cref="AwqException">
    /// The weight is not 4-bit, its last group is ragged (<c>in % G != 0</c>), <c>out</c> is not a multiple of 8,
    /// or a scale overflows float16.
    /// </exception>
    public static (int[] QWeight, int[] QZeros, Half[] Scales) Pack(QuantizedWeight weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        CheckPackable(weight);
        int outF = weight.OutFeatures, inF = weight.InFeatures, groups = weight.GroupCount, words = outF / PackFactor;
        var order = AwqOrder;

        var qweight = new int[(long)inF * words];
        var codes = weight.Codes;
        for (int c = 0; c < words; c++)
        {
            // The 8 output rows of this word column, each contiguous along k.
            for (int k = 0; k < inF; k++)
            {
                uint word = 0;
                for (int i = 0; i < PackFactor; i++)
                    word |= (uint)codes[(c * PackFactor + order[i]) * inF + k] << (4 * i);
                qweight[k * words + c] = unchecked((int)word);
            }
        }

        var qzeros = new int[groups * words];
        var scales = new Half[groups * outF];
        for (int g = 0; g < groups; g++)
        {
            for (int c = 0; c < words; c++)
            {
                uint word = 0;
                for (int i = 0; i < PackFactor; i++)
                    word |= (uint)weight.Zeros[(c * PackFactor + order[i]) * groups + g] << (4 * i);
                qzeros[g * words + c] = unchecked((int)word);
            }
            for (int n = 0; n < outF; n++)
            {
                float s = weight.Scales[n * groups + g];
                var h = (Half)s;
                if (!Half.IsFinite(h) || (h == Half.Zero && s != 0))
                    throw new AwqException($"AutoAWQ GEMM export: scale[{n}, group {g}] = {s} is not representable in float16");
                scales[g * outF + n] = h;
            }
        }
        return (qweight, qzeros, scales);
    }

    /// <summary>Throws <see cref="AwqException"/> when <paramref name="weight"/> cannot be stored in the GEMM layout.</summary>
    public static void CheckPackable(QuantizedWeight weight)
    {
        if (weight.Bits != Bits)
            throw new AwqException($"AutoAWQ GEMM stores 4-bit codes only; this weight is {weight.Bits}-bit (save it in the awqsharp format instead)");
        if (weight.InFeatures % weight.GroupSize != 0)
            throw new AwqException($"AutoAWQ GEMM cannot store a ragged last group: in_features {weight.InFeatures} is not a multiple of group size {weight.GroupSize} (save it in the awqsharp format instead)");
        if (weight.OutFeatures % PackFactor != 0)
            throw new AwqException($"AutoAWQ GEMM needs out_features divisible by {PackFactor}; got {weight.OutFeatures}");
    }

    /// <summary>
    /// Unpacks AutoAWQ GEMM tensors (row-major, as stored) into a <see cref="QuantizedWeight"/> in nn.Linear orientation.
    /// </summary>
    /// <param name="qweight">int32 <c>[inFeatures, outFeatures/8]</c>.</param>
    /// <param name="qzeros">int32 <c>[inFeatures/groupSize, outFeatures/8]</c>.</param>
    /// <param name="scales">float16 <c>[inFeatures/groupSize, outFeatures]</c>.</param>
    /// <param name="inFeatures">K.</param>
    /// <param name="outFeatures">N, a multiple of 8.</param>
    /// <param name="groupSize">G, dividing K (AutoAWQ's -1 means K).</param>
    /// <exception cref="ArgumentException">Inconsistent sizes.</exception>
    public static QuantizedWeight Unpack(ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<Half> scales,
        int inFeatures, int outFeatures, int groupSize)
    {
        var wide = new float[scales.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = (float)scales[i];
        return Unpack(qweight, qzeros, wide, inFeatures, outFeatures, groupSize);
    }

    /// <summary>
    /// As <see cref="Unpack(ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{Half}, int, int, int)"/>, with scales already
    /// widened to float32 (for checkpoints re-saved with bfloat16 or float32 scales).
    /// </summary>
    public static QuantizedWeight Unpack(ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros, ReadOnlySpan<float> scales,
        int inFeatures, int outFeatures, int groupSize)
    {
        if (inFeatures <= 0 || outFeatures <= 0 || outFeatures % PackFactor != 0)
            throw new ArgumentException($"shape in={inFeatures}, out={outFeatures}: both must be positive and out a multiple of {PackFactor}", nameof(outFeatures));
        if (groupSize == -1) groupSize = inFeatures;
        if (groupSize <= 0 || inFeatures % groupSize != 0)
            throw new ArgumentException($"group size {groupSize} must divide in_features {inFeatures}", nameof(groupSize));
        int words = outFeatures / PackFactor, groups = inFeatures / groupSize;
        if (qweight.Length != (long)inFeatures * words)
            throw new ArgumentException($"qweight has {qweight.Length} words, expected [{inFeatures}, {words}]", nameof(qweight));
        if (qzeros.Length != (long)groups * words)
            throw new ArgumentException($"qzeros has {qzeros.Length} words, expected [{groups}, {words}]", nameof(qzeros));
        if (scales.Length != (long)groups * outFeatures)
            throw new ArgumentException($"scales has {scales.Length} values, expected [{groups}, {outFeatures}]", nameof(scales));
        var reverse = AwqReverseOrder;

        var codes = new byte[(long)outFeatures * inFeatures];
        for (int k = 0; k < inFeatures; k++)
        {
            for (int c = 0; c < words; c++)
            {
                uint word = unchecked((uint)qweight[k * words + c]);
                for (int t = 0; t < PackFactor; t++)
                    codes[(c * PackFactor + t) * inFeatures + k] = (byte)((word >> (4 * reverse[t])) & 0xF);
            }
        }
        var zeros = new byte[outFeatures * groups];
        var scalesOut = new float[outFeatures * groups];
        for (int g = 0; g < groups; g++)
        {
            for (int c = 0; c < words; c++)
            {
                uint word = unchecked((uint)qzeros[g * words + c]);
                for (int t = 0; t < PackFactor; t++)
                    zeros[(c * PackFactor + t) * groups + g] = (byte)((word >> (4 * reverse[t])) & 0xF);
            }
            for (int n = 0; n < outFeatures; n++)
                scalesOut[n * groups + g] = scales[g * outFeatures + n];
        }
        return new QuantizedWeight(outFeatures, inFeatures, Bits, groupSize, codes, scalesOut, zeros);
    }
}
