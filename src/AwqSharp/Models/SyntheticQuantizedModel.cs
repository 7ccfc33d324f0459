using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AwqSharp.Kernels.Float16;
using AwqSharp.Quantization;
using AwqSharp.Runtime;

namespace AwqSharp.Models;

/// <summary>
/// Models in real shapes with random weights, built fast and in parallel for speed measurements
/// (<c>awq bench --synthetic</c>): float32 weights, binary16 weights, or 4-bit group-quantized weights packed for
/// the INT4 engine directly (random codes, scales and zero points; never a float32 copy of the model) with a binary16
/// lm_head, as AWQ checkpoints keep it.
/// </summary>
public static class SyntheticQuantizedModel
{
    /// <summary>A float32 model with uniform random weights of the right scale (1/sqrt(in)).</summary>
    public static LlamaModel CreateFloat32(ModelConfig c, ulong seed = 1) =>
        Assemble(c, Layers(c, seed, (int o, int i, ref ulong s) => new DenseLinear(Fill(new float[(long)o * i], 1 / MathF.Sqrt(i), ref s), o, i)),
            seed, halfLmHead: false);

    /// <summary>A model whose linears (lm_head included) are binary16, kept 16-bit (<see cref="HalfPrecisionLinear"/>).</summary>
    public static LlamaModel CreateFloat16(ModelConfig c, ulong seed = 1) =>
        Assemble(c, Layers(c, seed, (int o, int i, ref ulong s) => RandomHalf(o, i, 1 / MathF.Sqrt(i), ref s)), seed, halfLmHead: true);

    /// <summary>
    /// A model whose linears are random 4-bit weights (group <paramref name="groupSize"/>) packed for the INT4 kernels;
    /// the lm_head is binary16 (as in AWQ checkpoints) unless <paramref name="halfLmHead"/> is false.
    /// </summary>
    public static LlamaModel CreateInt4(ModelConfig c, int groupSize = 128, ulong seed = 1, bool halfLmHead = true) =>
        Assemble(c, Layers(c, seed, (int o, int i, ref ulong s) => PackedInt4Linear.FromQuantized(RandomQuantized(o, i, groupSize, ref s))),
            seed, halfLmHead);

    private delegate ILinear RandomLinear(int outFeatures, int inFeatures, ref ulong state);

    /// <summary>The decoder blocks, built in parallel: unit norms and <paramref name="linear"/>'s layers, each block from its own seed.</summary>
    private static LayerWeights[] Layers(ModelConfig c, ulong seed, RandomLinear linear)
    {
        var layers = new LayerWeights[c.NumLayers];
        Parallel.For(0, c.NumLayers, l =>
        {
            ulong s = seed * 1_000_003 + (ulong)l;
            ILinear L(int o, int i) => linear(o, i, ref s);
            layers[l] = new LayerWeights
            {
                InputNorm = Ones(c.HiddenSize), PostAttentionNorm = Ones(c.HiddenSize),
                Q = L(c.QDim, c.HiddenSize), K = L(c.KvDim, c.HiddenSize), V = L(c.KvDim, c.HiddenSize), O = L(c.HiddenSize, c.QDim),
                Gate = L(c.IntermediateSize, c.HiddenSize), Up = L(c.IntermediateSize, c.HiddenSize), Down = L(c.HiddenSize, c.IntermediateSize),
            };
        });
        return layers;
    }

    /// <summary>Random codes in [0, 15], zero points near 8, scales ~ 1/(8·sqrt(in)) rounded to fp16 (as AutoAWQ stores them).</summary>
    public static QuantizedWeight RandomQuantized(int outF, int inF, int groupSize, ref ulong state)
    {
        int gs = Math.Min(groupSize, inF), groups = (inF + gs - 1) / gs;
        var codes = new byte[(long)outF * inF];
        for (long i = 0; i < codes.Length; i++) codes[i] = (byte)(Next(ref state) & 15);
        var scales = new float[(long)outF * groups];
        var zeros = new byte[scales.Length];
        float scale = 1f / (8 * MathF.Sqrt(inF));
        for (long i = 0; i < scales.Length; i++)
        {
            scales[i] = (float)(Half)(scale * (0.5f + (Next(ref state) & 1023) / 1024f));
            zeros[i] = (byte)(6 + (Next(ref state) & 3));
        }
        return new QuantizedWeight(outF, inF, 4, gs, codes, scales, zeros);
    }

    private static LlamaModel Assemble(ModelConfig c, LayerWeights[] layers, ulong seed, bool halfLmHead)
    {
        ulong s = seed ^ 0xABCDEF;
        var embeddings = Fill(new float[(long)c.VocabSize * c.HiddenSize], 1, ref s);
        float amplitude = 1 / MathF.Sqrt(c.HiddenSize);
        ILinear head = c.TieWordEmbeddings ? new DenseLinear(embeddings, c.VocabSize, c.HiddenSize)
            : halfLmHead ? RandomHalf(c.VocabSize, c.HiddenSize, amplitude, ref s)
            : new DenseLinear(Fill(new float[(long)c.VocabSize * c.HiddenSize], amplitude, ref s), c.VocabSize, c.HiddenSize);
        return new LlamaModel(c, new LlamaWeights { Embeddings = embeddings, Layers = layers, FinalNorm = Ones(c.HiddenSize), LmHead = head });
    }

    /// <summary>A binary16 linear with uniform random weights in ±<paramref name="amplitude"/>, filled a row at a time (no float32 copy of the whole).</summary>
    private static HalfPrecisionLinear RandomHalf(int outF, int inF, float amplitude, ref ulong state)
    {
        var bits = new ushort[(long)outF * inF];
        var row = new float[inF];
        for (int o = 0; o < outF; o++)
        {
            Fill(row, amplitude, ref state);
            TensorPrimitives.ConvertToHalf(row, MemoryMarshal.Cast<ushort, Half>(bits.AsSpan(o * inF, inF)));
        }
        return new HalfPrecisionLinear(new HalfMatrix(bits, outF, inF, HalfFormat.Float16));
    }

    private static float[] Ones(int n) { var a = new float[n]; Array.Fill(a, 1f); return a; }

    private static float[] Fill(float[] a, float amplitude, ref ulong state)
    {
        for (long i = 0; i < a.Length; i++) a[i] = ((Next(ref state) >> 40) / (float)(1 << 24) * 2 - 1) * amplitude;
        return a;
    }

    private static ulong Next(ref ulong s)
    {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        return s == 0 ? (s = 0x9E3779B97F4A7C15UL) : s;
    }
}
