using AwqSharp.Models;
using AwqSharp.Runtime;

namespace AwqSharp.Quantization.Awq;

/// <summary>
/// The calibration samples as rows of one activation matrix ([samples · seqLen, ·]), with a
/// one-layer KV cache per sample, processed in chunks of whole samples so temporaries stay bounded.
/// </summary>
public sealed class CalibrationBatch
{
    public CalibrationBatch(ModelConfig config, int samples, int seqLen, int maxChunkRows = 4096)
    {
        Samples = samples; SeqLen = seqLen;
        SamplesPerChunk = Math.Max(1, maxChunkRows / seqLen);
        _caches = Enumerable.Range(0, samples).Select(_ => new KvCache(1, config.KvDim, seqLen)).ToArray();
    }

    private readonly KvCache[] _caches;

    public int Samples { get; }
    public int SeqLen { get; }
    public int Rows => Samples * SeqLen;
    public int SamplesPerChunk { get; }

    /// <summary>Chunks of consecutive samples: first row, row count, and their sequence slices (rows relative to the chunk).</summary>
    public IEnumerable<(int Row, int Rows, SequenceSlice[] Slices)> Chunks()
    {
        for (int s0 = 0; s0 < Samples; s0 += SamplesPerChunk)
        {
            int n = Math.Min(SamplesPerChunk, Samples - s0);
            var slices = new SequenceSlice[n];
            for (int i = 0; i < n; i++) slices[i] = new SequenceSlice(i * SeqLen, SeqLen, _caches[s0 + i]);
            yield return (s0 * SeqLen, n * SeqLen, slices);
        }
    }
}
