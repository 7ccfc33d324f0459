namespace AwqSharp.Quantization;

/// <summary>
/// A group-wise quantized linear weight in its plain, unpacked form: the common currency between the
/// quantizers (RTN, AWQ, GPTQ), the checkpoint formats (AutoAWQ GEMM and ours) and the INT4 kernels,
/// which repack it into whatever layout they like.
/// <para>
/// Dequantization: <c>W[o, i] = (Codes[o, i] - Zeros[o, g]) · Scales[o, g]</c> with <c>g = i / GroupSize</c>.
/// Groups run along the input dimension; the last group is ragged when <c>InFeatures % GroupSize != 0</c>.
/// Per-channel quantization is <c>GroupSize == InFeatures</c>. Symmetric quantization stores the
/// implicit zero point <c>2^(Bits-1)</c> in <see cref="Zeros"/>.
/// </para>
/// </summary>
public sealed class QuantizedWeight
{
    public QuantizedWeight(int outFeatures, int inFeatures, int bits, int groupSize, byte[] codes, float[] scales, byte[] zeros)
    {
        if (outFeatures <= 0 || inFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(outFeatures), $"shape [{outFeatures}, {inFeatures}] must be positive");
        if (bits is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"bits must be 1..8, got {bits}");
        if (groupSize <= 0 || groupSize > inFeatures) throw new ArgumentOutOfRangeException(nameof(groupSize), $"group size {groupSize} must be in 1..{inFeatures}");
        OutFeatures = outFeatures; InFeatures = inFeatures; Bits = bits; GroupSize = groupSize;
        int groups = GroupCount;
        if (codes.Length != (long)outFeatures * inFeatures) throw new ArgumentException($"codes has {codes.Length} elements, expected {outFeatures}x{inFeatures}", nameof(codes));
        if (scales.Length != (long)outFeatures * groups) throw new ArgumentException($"scales has {scales.Length} elements, expected {outFeatures}x{groups}", nameof(scales));
        if (zeros.Length != (long)outFeatures * groups) throw new ArgumentException($"zeros has {zeros.Length} elements, expected {outFeatures}x{groups}", nameof(zeros));
        Codes = codes; Scales = scales; Zeros = zeros;
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }
    public int Bits { get; }
    public int GroupSize { get; }
    /// <summary>Number of groups per output row: ceil(InFeatures / GroupSize).</summary>
    public int GroupCount => (InFeatures + GroupSize - 1) / GroupSize;
    public int MaxCode => (1 << Bits) - 1;
    /// <summary>[OutFeatures, InFeatures], each in [0, 2^Bits - 1].</summary>
    public byte[] Codes { get; }
    /// <summary>[OutFeatures, GroupCount].</summary>
    public float[] Scales { get; }
    /// <summary>[OutFeatures, GroupCount], each in [0, 2^Bits - 1].</summary>
    public byte[] Zeros { get; }

    /// <summary>Dequantizes into a row-major float32 <c>[OutFeatures, InFeatures]</c> matrix.</summary>
    public void Dequantize(Span<float> destination)
    {
        if (destination.Length < (long)OutFeatures * InFeatures) throw new ArgumentException("destination too short", nameof(destination));
        int groups = GroupCount;
        for (int o = 0; o < OutFeatures; o++)
        {
            for (int g = 0; g < groups; g++)
            {
                float s = Scales[o * groups + g];
                int z = Zeros[o * groups + g];
                int start = g * GroupSize, end = Math.Min(InFeatures, start + GroupSize);
                for (int i = start; i < end; i++)
                    destination[o * InFeatures + i] = (Codes[o * InFeatures + i] - z) * s;
            }
        }
    }

    public float[] Dequantize()
    {
        var w = new float[(long)OutFeatures * InFeatures];
        Dequantize(w);
        return w;
    }
}
