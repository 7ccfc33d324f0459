namespace AwqSharp.Models;

/// <summary>
/// Rotary position embedding tables, HuggingFace's convention: frequency <c>i</c> rotates element
/// <c>i</c> with element <c>i + headDim/2</c> ("rotate_half"). Frequencies follow <c>rope_theta</c>
/// and <c>rope_scaling</c> ("linear" and "llama3"), computed in float64.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly object _lock = new();
    private float[] _cos = [];
    private float[] _sin = [];
    private int _positions;

    public RotaryEmbedding(int headDim, double theta, RopeScaling? scaling)
    {
        HeadDim = headDim;
        InverseFrequencies = ComputeInverseFrequencies(headDim, theta, scaling);
    }

    public RotaryEmbedding(ModelConfig config) : this(config.HeadDim, config.RopeTheta, config.RopeScaling) { }

    public int HeadDim { get; }
    public int Half => HeadDim / 2;
    public double[] InverseFrequencies { get; }

    public static double[] ComputeInverseFrequencies(int headDim, double theta, RopeScaling? scaling)
    {
        int half = headDim / 2;
        var inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
        if (scaling is null) return inv;
        switch (scaling.Type)
        {
            case "linear":
                for (int i = 0; i < half; i++) inv[i] /= scaling.Factor;
                return inv;
            case "llama3":
                {
                    double oldContext = scaling.OriginalMaxPositionEmbeddings;
                    double lowWavelen = oldContext / scaling.LowFreqFactor;
                    double highWavelen = oldContext / scaling.HighFreqFactor;
                    for (int i = 0; i < half; i++)
                    {
                        double wavelen = 2 * Math.PI / inv[i];
                        if (wavelen < highWavelen) continue;                       // high frequency: unchanged
                        if (wavelen > lowWavelen) { inv[i] /= scaling.Factor; continue; } // low frequency: scaled
                        double smooth = (oldContext / wavelen - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                        inv[i] = (1 - smooth) * inv[i] / scaling.Factor + smooth * inv[i];
                    }
                    return inv;
                }
            default:
                throw new UnsupportedModelException($"rope_scaling type '{scaling.Type}' is not supported");
        }
    }

    /// <summary>cos/sin rows (length <see cref="Half"/>) for one position.</summary>
    public (ReadOnlyMemory<float> Cos, ReadOnlyMemory<float> Sin) At(int position)
    {
        EnsurePositions(position + 1);
        lock (_lock)
            return (_cos.AsMemory(position * Half, Half), _sin.AsMemory(position * Half, Half));
    }

    /// <summary>Makes sure tables cover positions [0, count).</summary>
    public void EnsurePositions(int count)
    {
        if (count <= Volatile.Read(ref _positions)) return;
        lock (_lock)
        {
            if (count <= _positions) return;
            int n = Math.Max(count, Math.Max(64, _positions * 2));
            var cos = new float[n * Half];
            var sin = new float[n * Half];
            for (int p = 0; p < n; p++)
                for (int i = 0; i < Half; i++)
                {
                    double angle = p * InverseFrequencies[i];
                    cos[p * Half + i] = (float)Math.Cos(angle);
                    sin[p * Half + i] = (float)Math.Sin(angle);
                }
            _cos = cos; _sin = sin;
            Volatile.Write(ref _positions, n);
        }
    }

    /// <summary>Rotates every head of one row of q or k (<paramref name="heads"/> x HeadDim) in place for <paramref name="position"/>.</summary>
    public void Apply(Span<float> row, int heads, int position)
    {
        var (cos, sin) = At(position);
        for (int h = 0; h < heads; h++)
            Kernels.Ops.ApplyRotaryHalf(row.Slice(h * HeadDim, HeadDim), cos.Span, sin.Span);
    }
}
