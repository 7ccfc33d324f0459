using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using AwqSharp.Quantization;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// A 4-bit group-quantized linear weight <c>W[out, in]</c>, repacked once into the layout the INT4
/// kernels stream: <c>W[o, i] = (q[o, i] - z[o, g]) · s[o, g]</c>, <c>g = i / GroupSize</c>.
/// <para>
/// Layout (all little-endian; see docs/int4-kernels.md):
/// output rows are grouped in <b>tiles</b> of 4 rows (the last tile padded with zero rows) and the input
/// dimension in <b>chunks</b> of 128 weights (the last chunk padded with code 0). Codes are stored
/// tile by tile, chunk by chunk, row by row: 64 bytes for each (tile, chunk, row), at byte offset
/// <c>((tile · ChunkCount + chunk) · 4 + row) · 64</c>, 64-byte aligned. Inside those 64 bytes, 32-bit
/// word <c>d</c> (0..15) holds in its nibble <c>j</c> (bits 4j..4j+3, 0..7) the code of input
/// <c>i = 128 · chunk + 16 · j + d</c>: one 512-bit load yields 8 "planes" of 16 consecutive inputs,
/// plane j being the low nibble of every word after a right shift by 4j.
/// Scales are stored as fp16 or fp32 (<see cref="ScaleStorage"/>) and zero points as bytes, both
/// indexed <c>(tile · GroupCount + group) · 4 + row</c>; padding rows have scale 0 and zero 0.
/// </para>
/// <para>
/// <see cref="Multiply"/> dequantizes in registers (AVX-512: a 16-entry table <c>(j - z) · s</c> per
/// group and row, looked up by <c>vpermps</c>; AVX2/Vector128: <c>s · (Σ q·x - z · Σ x)</c> per group),
/// runs a GEMV for small batches and a panel GEMM (dequantize 32 rows × 128 inputs once into an
/// L1-resident float panel, reuse it for every activation row) for prefill. Activations stay float32.
/// </para>
/// </summary>
public sealed unsafe class PackedInt4Matrix
{
    /// <summary>Output rows interleaved in one tile.</summary>
    internal const int RowsPerTile = 4;
    /// <summary>Inputs in one chunk: 64 bytes of codes for each row.</summary>
    internal const int ChunkWeights = 128;
    internal const int ChunkBytes = ChunkWeights / 2;
    /// <summary>Consecutive inputs of one nibble plane (one 512-bit vector of floats).</summary>
    internal const int PlaneWeights = 16;
    internal const int PlanesPerChunk = ChunkWeights / PlaneWeights;
    internal const int TileChunkBytes = RowsPerTile * ChunkBytes;

    private readonly byte[] _codeStorage; // pinned (POH): _codes stays valid
    private readonly byte* _codes;

    private PackedInt4Matrix(int outFeatures, int inFeatures, int groupSize, Int4ScaleStorage storage)
    {
        OutFeatures = outFeatures; InFeatures = inFeatures; GroupSize = groupSize; ScaleStorage = storage;
        GroupCount = (inFeatures + groupSize - 1) / groupSize;
        TileCount = (outFeatures + RowsPerTile - 1) / RowsPerTile;
        ChunkCount = (inFeatures + ChunkWeights - 1) / ChunkWeights;
        PlaneCount = (inFeatures + PlaneWeights - 1) / PlaneWeights;
        long codeBytes = (long)TileCount * ChunkCount * TileChunkBytes;
        if (codeBytes > Array.MaxLength - 128) throw new AwqException($"INT4 matrix [{outFeatures}, {inFeatures}] is too large to pack ({codeBytes} bytes of codes)");
        _codeStorage = GC.AllocateArray<byte>((int)codeBytes + 63 + 64, pinned: true); // +64: kernels may read a few bytes past the end
        byte* p = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_codeStorage));
        _codes = (byte*)(((nuint)p + 63) & ~(nuint)63);
        int metaLength = TileCount * GroupCount * RowsPerTile;
        Zeros = new byte[metaLength];
        if (storage == Int4ScaleStorage.Half) HalfScales = new ushort[metaLength];
        else SingleScales = new float[metaLength];
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }
    /// <summary>Inputs per quantization group (the last group may be shorter).</summary>
    public int GroupSize { get; }
    public int GroupCount { get; }
    /// <summary>How the scales are stored: <see cref="Int4ScaleStorage.Half"/> or <see cref="Int4ScaleStorage.Single"/>.</summary>
    public Int4ScaleStorage ScaleStorage { get; }

    internal int TileCount { get; }
    internal int ChunkCount { get; }
    internal int PlaneCount { get; }
    internal long CodeBytes => (long)TileCount * ChunkCount * TileChunkBytes;
    internal byte* Codes => _codes;
    internal ushort[]? HalfScales { get; }
    internal float[]? SingleScales { get; }
    /// <summary>Zero points, indexed like the scales.</summary>
    internal byte[] Zeros { get; }

    /// <summary>Whether no 16-input plane straddles two groups (group size a multiple of 16, or a single group): the SIMD kernels need it.</summary>
    internal bool PlaneAligned => GroupSize % PlaneWeights == 0 || GroupCount == 1;

    /// <summary>Planes per group for the SIMD kernels (all of them when there is a single group).</summary>
    internal int PlanesPerGroup => GroupCount == 1 ? PlaneCount : GroupSize / PlaneWeights;

    /// <summary>Bytes one full product streams: codes plus scales and zero points (padding included).</summary>
    public long WeightBytes => CodeBytes + Zeros.Length * (ScaleStorage == Int4ScaleStorage.Half ? 3L : 5L);

    /// <summary>
    /// Packs a 4-bit <see cref="QuantizedWeight"/>. Lossless under <see cref="Int4ScaleStorage.Auto"/>:
    /// <see cref="Dequantize()"/> then equals <see cref="QuantizedWeight.Dequantize()"/> bit for bit.
    /// </summary>
    /// <exception cref="UnsupportedModelException">the weight is not 4-bit.</exception>
    /// <exception cref="AwqException">a code or zero point is above 15, or a scale is not finite (or overflows fp16 under <see cref="Int4ScaleStorage.Half"/>).</exception>
    public static PackedInt4Matrix FromQuantized(QuantizedWeight weight, Int4ScaleStorage scaleStorage = Int4ScaleStorage.Auto)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Bits != 4)
            throw new UnsupportedModelException($"PackedInt4Matrix packs 4-bit weights only; QuantizedWeight.Bits is {weight.Bits} (shape [{weight.OutFeatures}, {weight.InFeatures}])");
        Validate(weight);
        var storage = scaleStorage switch
        {
            Int4ScaleStorage.Auto => weight.Scales.All(IsExactHalf) ? Int4ScaleStorage.Half : Int4ScaleStorage.Single,
            Int4ScaleStorage.Half or Int4ScaleStorage.Single => scaleStorage,
            _ => throw new ArgumentOutOfRangeException(nameof(scaleStorage), scaleStorage, "unknown scale storage"),
        };
        var packed = new PackedInt4Matrix(weight.OutFeatures, weight.InFeatures, weight.GroupSize, storage);
        packed.PackCodes(weight.Codes);
        packed.PackMetadata(weight);
        return packed;
    }

    private static void Validate(QuantizedWeight w)
    {
        int bad = w.Codes.AsSpan().IndexOfAnyInRange((byte)16, byte.MaxValue);
        if (bad >= 0) throw new AwqException($"QuantizedWeight.Codes[{bad / w.InFeatures}, {bad % w.InFeatures}] is {w.Codes[bad]}, above the 4-bit maximum 15");
        bad = w.Zeros.AsSpan().IndexOfAnyInRange((byte)16, byte.MaxValue);
        if (bad >= 0) throw new AwqException($"QuantizedWeight.Zeros[{bad / w.GroupCount}, {bad % w.GroupCount}] is {w.Zeros[bad]}, above the 4-bit maximum 15");
        bad = Array.FindIndex(w.Scales, s => !float.IsFinite(s));
        if (bad >= 0) throw new AwqException($"QuantizedWeight.Scales[{bad / w.GroupCount}, {bad % w.GroupCount}] is {w.Scales[bad]}, not a finite number");
    }

    private static bool IsExactHalf(float s) => (float)(Half)s == s;

    /// <summary>Writes the codes into the tile/chunk layout, rows in parallel (each row's bytes are independent).</summary>
    private void PackCodes(byte[] codes)
    {
        int k = InFeatures, fullChunks = k / ChunkWeights;
        int rowsPerUnit = Math.Max(RowsPerTile, 256 * 1024 / Math.Max(1, k) / RowsPerTile * RowsPerTile);
        int units = (OutFeatures + rowsPerUnit - 1) / rowsPerUnit;
        Int4Parallel.Run(units, Int4Kernels.Threads, queue =>
        {
            fixed (byte* all = codes)
            {
                while (queue.TryTake(out int unit))
                {
                    for (int o = unit * rowsPerUnit, end = Math.Min(OutFeatures, o + rowsPerUnit); o < end; o++)
                    {
                        byte* src = all + (long)o * k;
                        int tile = o / RowsPerTile, row = o % RowsPerTile;
                        int c = 0;
                        if (Sse2.IsSupported)
                            for (; c < fullChunks; c++) PackChunkSse2(src + c * ChunkWeights, _codes + ChunkOffset(tile, c) + row * ChunkBytes);
                        for (; c < ChunkCount; c++) PackChunkScalar(src, k, c, (uint*)(_codes + ChunkOffset(tile, c) + row * ChunkBytes));
                    }
                }
            }
        });
    }

    /// <summary>One row's chunk, any length: word d, nibble j = code of input 128c + 16j + d (0 past the end).</summary>
    private static void PackChunkScalar(byte* row, int inFeatures, int chunk, uint* words)
    {
        int chunkStart = chunk * ChunkWeights;
        for (int d = 0; d < PlaneWeights; d++)
        {
            uint word = 0;
            for (int j = 0; j < PlanesPerChunk; j++)
            {
                int i = chunkStart + j * PlaneWeights + d;
                if (i < inFeatures) word |= (uint)row[i] << (4 * j);
            }
            words[d] = word;
        }
    }

    /// <summary>
    /// One full 128-input chunk: byte 4d + t of the output is plane 2t (low nibble) and plane 2t + 1 (high)
    /// at lane d, so pair the planes into bytes, then interleave the four pair vectors byte- and word-wise.
    /// </summary>
    private static void PackChunkSse2(byte* src, byte* dst)
    {
        var p0 = Sse2.Or(Sse2.LoadVector128(src), Sse2.ShiftLeftLogical(Sse2.LoadVector128(src + 16).AsUInt16(), 4).AsByte());
        var p1 = Sse2.Or(Sse2.LoadVector128(src + 32), Sse2.ShiftLeftLogical(Sse2.LoadVector128(src + 48).AsUInt16(), 4).AsByte());
        var p2 = Sse2.Or(Sse2.LoadVector128(src + 64), Sse2.ShiftLeftLogical(Sse2.LoadVector128(src + 80).AsUInt16(), 4).AsByte());
        var p3 = Sse2.Or(Sse2.LoadVector128(src + 96), Sse2.ShiftLeftLogical(Sse2.LoadVector128(src + 112).AsUInt16(), 4).AsByte());
        var a = Sse2.UnpackLow(p0, p1).AsUInt16();  // (p0[d], p1[d]) for d = 0..7
        var b = Sse2.UnpackHigh(p0, p1).AsUInt16(); // d = 8..15
        var c = Sse2.UnpackLow(p2, p3).AsUInt16();
        var e = Sse2.UnpackHigh(p2, p3).AsUInt16();
        Sse2.Store(dst, Sse2.UnpackLow(a, c).AsByte());       // words 0..3
        Sse2.Store(dst + 16, Sse2.UnpackHigh(a, c).AsByte()); // words 4..7
        Sse2.Store(dst + 32, Sse2.UnpackLow(b, e).AsByte());  // words 8..11
        Sse2.Store(dst + 48, Sse2.UnpackHigh(b, e).AsByte()); // words 12..15
    }

    private void PackMetadata(QuantizedWeight w)
    {
        int groups = GroupCount;
        for (int o = 0; o < OutFeatures; o++)
        {
            for (int g = 0; g < groups; g++)
            {
                int at = MetadataIndex(o / RowsPerTile, g, o % RowsPerTile);
                float s = w.Scales[o * groups + g];
                Zeros[at] = w.Zeros[o * groups + g];
                if (HalfScales is not null)
                {
                    var h = (Half)s;
                    if (Half.IsInfinity(h)) throw new AwqException($"QuantizedWeight.Scales[{o}, {g}] is {s}, beyond the fp16 range of Int4ScaleStorage.Half");
                    HalfScales[at] = BitConverter.HalfToUInt16Bits(h);
                }
                else SingleScales![at] = s;
            }
        }
    }

    /// <summary>Byte offset of the 256 bytes (4 rows × 64) of one tile and chunk.</summary>
    internal long ChunkOffset(int tile, int chunk) => ((long)tile * ChunkCount + chunk) * TileChunkBytes;

    internal int MetadataIndex(int tile, int group, int row) => (tile * GroupCount + group) * RowsPerTile + row;

    /// <summary>The stored code of <c>W[o, i]</c>.</summary>
    internal int CodeAt(int o, int i)
    {
        int c = i / ChunkWeights, within = i % ChunkWeights;
        uint word = ((uint*)(_codes + ChunkOffset(o / RowsPerTile, c) + o % RowsPerTile * ChunkBytes))[within % PlaneWeights];
        return (int)(word >> (4 * (within / PlaneWeights))) & 15;
    }

    /// <summary>The scale of row <paramref name="o"/>, group <paramref name="g"/>, as float32.</summary>
    internal float ScaleAt(int o, int g)
    {
        int at = MetadataIndex(o / RowsPerTile, g, o % RowsPerTile);
        return HalfScales is not null ? (float)BitConverter.UInt16BitsToHalf(HalfScales[at]) : SingleScales![at];
    }

    internal int ZeroAt(int o, int g) => Zeros[MetadataIndex(o / RowsPerTile, g, o % RowsPerTile)];

    /// <summary>The dequantized weight, row-major <c>[OutFeatures, InFeatures]</c>: <c>(q - z) · s</c> in float32, as <see cref="QuantizedWeight.Dequantize()"/> computes it.</summary>
    public float[] Dequantize()
    {
        var w = new float[(long)OutFeatures * InFeatures];
        for (int o = 0; o < OutFeatures; o++)
        {
            for (int g = 0; g < GroupCount; g++)
            {
                float s = ScaleAt(o, g);
                int z = ZeroAt(o, g);
                int end = Math.Min(InFeatures, (g + 1) * GroupSize);
                for (int i = g * GroupSize; i < end; i++)
                    w[(long)o * InFeatures + i] = (CodeAt(o, i) - z) * s;
            }
        }
        return w;
    }

    /// <summary>
    /// <c>y[m, OutFeatures] = x[m, InFeatures] · Wᵀ (+ bias)</c>, row-major. <paramref name="m"/> = 1 is a
    /// decode step (GEMV); large <paramref name="m"/> is prefill (panel GEMM). Multi-threaded over output
    /// rows; bitwise the same whatever the thread count.
    /// </summary>
    public void Multiply(ReadOnlySpan<float> x, Span<float> y, int m, ReadOnlySpan<float> bias = default)
    {
        CheckArguments(x, y, m, bias, nameof(y));
        if (m == 0) return;
        var isa = Int4Kernels.Active;
        int threads = Int4Kernels.Threads;
        fixed (float* px = x) fixed (float* py = y) fixed (float* pb = bias)
        {
            float* pbias = bias.IsEmpty ? null : pb;
            if (UsesGemv(m, isa, this)) Int4Gemv.Run(this, px, m, py, pbias, isa, threads);
            else Int4Gemm.Run(this, px, m, py, pbias, isa, threads);
        }
        GC.KeepAlive(this); // the kernels read the pinned codes through a raw pointer
    }

    /// <summary>
    /// The SwiGLU input of a Llama MLP, both products in one parallel pass (one dispatch, each activation
    /// row read once for both): <c>y = silu(x · gateᵀ) ⊙ (x · upᵀ)</c>, bitwise equal to two
    /// <see cref="Multiply"/> calls followed by <see cref="Ops.SiluMultiply(Span{float}, ReadOnlySpan{float})"/>.
    /// </summary>
    public static void MultiplySiluGateUp(ReadOnlySpan<float> x, PackedInt4Matrix gate, PackedInt4Matrix up, Span<float> y, int m)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        if (gate.OutFeatures != up.OutFeatures || gate.InFeatures != up.InFeatures)
            throw new ArgumentException($"gate is [{gate.OutFeatures}, {gate.InFeatures}] but up is [{up.OutFeatures}, {up.InFeatures}]", nameof(up));
        gate.CheckArguments(x, y, m, default, nameof(y));
        if (m == 0) return;
        var isa = Int4Kernels.Active;
        int threads = Int4Kernels.Threads;
        fixed (float* px = x) fixed (float* py = y)
        {
            if (UsesGemv(m, isa, gate) && UsesGemv(m, isa, up)) Int4Gemv.RunSiluGateUp(gate, up, px, m, py, isa, threads);
            else Int4Gemm.RunSiluGateUp(gate, up, px, m, py, isa, threads);
        }
        GC.KeepAlive(gate);
        GC.KeepAlive(up);
    }

    /// <summary>
    /// Batches up to this many rows run the GEMV kernel (weights streamed once, each tile reused from L1 for
    /// every row); larger ones the panel GEMM. The AVX-512 GEMV shares its table lookups between 4 rows,
    /// which keeps it ahead of the GEMM (dequantize a panel, then pure FMAs) up to about 16 rows on Zen 4;
    /// the other GEMVs decode once per row and lose from about 6 rows (measured, docs/int4-kernels.md).
    /// </summary>
    internal static int GemvMaxRows(Int4Isa isa, PackedInt4Matrix w) => isa == Int4Isa.Avx512 && w.PlaneAligned ? 16 : 4;

    /// <summary>Whether a batch of <paramref name="m"/> rows runs the GEMV (always on the scalar path) rather than the panel GEMM.</summary>
    internal static bool UsesGemv(int m, Int4Isa isa, PackedInt4Matrix w) => isa == Int4Isa.Scalar || m <= GemvMaxRows(isa, w);

    private void CheckArguments(ReadOnlySpan<float> x, Span<float> y, int m, ReadOnlySpan<float> bias, string yName)
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), $"m must be non-negative, got {m}");
        if (x.Length < (long)m * InFeatures) throw new ArgumentException($"x has {x.Length} elements, needs m*InFeatures = {(long)m * InFeatures}", nameof(x));
        if (y.Length < (long)m * OutFeatures) throw new ArgumentException($"y has {y.Length} elements, needs m*OutFeatures = {(long)m * OutFeatures}", yName);
        if (!bias.IsEmpty && bias.Length != OutFeatures) throw new ArgumentException($"bias has {bias.Length} elements, needs OutFeatures = {OutFeatures}", nameof(bias));
    }
}
