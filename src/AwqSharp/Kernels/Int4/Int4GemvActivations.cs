namespace AwqSharp.Kernels.Int4;

/// <summary>
/// The activation rows as the GEMV kernels read them: each row readable up to a whole number of
/// 16-input planes (a zero-padded copy when InFeatures is not a multiple of 16), and for the AVX2 and
/// Vector128 kernels the per-group lane sums <c>Σ x</c> behind <c>s · (Σ q·x - z · Σ x)</c>.
/// </summary>
internal sealed unsafe class Int4GemvActivations : IDisposable
{
    private readonly AlignedBuffer _padded, _sums;

    public Int4GemvActivations(PackedInt4Matrix w, float* x, int m, Int4Isa isa)
    {
        int k = w.InFeatures;
        int planeSpan = w.PlaneCount * PackedInt4Matrix.PlaneWeights;
        if (planeSpan == k)
        {
            Rows = x;
            Stride = k;
        }
        else
        {
            _padded = new AlignedBuffer((long)m * planeSpan, clear: true);
            Rows = _padded.Pointer;
            Stride = planeSpan;
            for (int i = 0; i < m; i++)
                new ReadOnlySpan<float>(x + (long)i * k, k).CopyTo(new Span<float>(Rows + (long)i * Stride, k));
        }
        SumLanes = Int4GemvKernels.SumLanes(isa, w);
        if (SumLanes > 0)
        {
            _sums = new AlignedBuffer((long)m * w.GroupCount * SumLanes);
            Sums = _sums.Pointer;
            for (int i = 0; i < m; i++) FillLaneSums(w, Rows + (long)i * Stride, Sums + (long)i * w.GroupCount * SumLanes);
        }
    }

    /// <summary>Row i starts at <c>Rows + i · Stride</c>.</summary>
    public float* Rows { get; }
    public int Stride { get; }
    /// <summary>Lane sums of row i, group g: <c>Sums + (i · GroupCount + g) · SumLanes</c>; null when the path needs none.</summary>
    public float* Sums { get; }
    public int SumLanes { get; }

    public float* Row(int i) => Rows + (long)i * Stride;

    public float* RowSums(PackedInt4Matrix w, int i) => Sums == null ? null : Sums + (long)i * w.GroupCount * SumLanes;

    /// <summary>sums[g · L + e] = Σ over the planes p of group g and the L-wide slices v of a plane of x[16p + L·v + e].</summary>
    private void FillLaneSums(PackedInt4Matrix w, float* row, float* sums)
    {
        int lanes = SumLanes, ppg = w.PlanesPerGroup;
        for (int g = 0; g < w.GroupCount; g++)
        {
            float* dst = sums + g * lanes;
            for (int e = 0; e < lanes; e++) dst[e] = 0;
            int pEnd = Math.Min(w.PlaneCount, (g + 1) * ppg);
            for (int p = g * ppg; p < pEnd; p++)
                for (int v = 0; v < PackedInt4Matrix.PlaneWeights; v += lanes)
                    for (int e = 0; e < lanes; e++)
                        dst[e] += row[p * PackedInt4Matrix.PlaneWeights + v + e];
        }
    }

    public void Dispose()
    {
        _padded.Dispose();
        _sums.Dispose();
    }
}
