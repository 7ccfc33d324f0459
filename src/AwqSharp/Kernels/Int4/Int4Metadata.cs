using System.Runtime.Intrinsics;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Expands the packed per-group metadata of one tile (fp16 or fp32 scales, byte zero points) into
/// float32 scratch that the kernels broadcast from: <c>s[g · 4 + row]</c>, <c>z[g · 4 + row]</c>.
/// </summary>
internal static unsafe class Int4Metadata
{
    /// <summary>2^112: rescales an fp16 bit pattern shifted into fp32 position (exact for every finite half, subnormals included).</summary>
    private const float HalfExponentRebias = 5.192296858534828e33f;

    /// <summary>Floats of scratch one tile needs for its scales (the same again for its zero points).</summary>
    public static int TileLength(PackedInt4Matrix w) => w.GroupCount * PackedInt4Matrix.RowsPerTile;

    public static void ConvertTile(PackedInt4Matrix w, int tile, float* scales, float* zeros)
    {
        int count = TileLength(w);
        int start = tile * count;
        if (w.HalfScales is { } half)
        {
            fixed (ushort* p = &half[start]) HalfToSingle(p, scales, count);
        }
        else
        {
            new ReadOnlySpan<float>(w.SingleScales, start, count).CopyTo(new Span<float>(scales, count));
        }
        fixed (byte* p = &w.Zeros[start]) BytesToSingle(p, zeros, count);
    }

    /// <summary>Converts finite fp16 bit patterns to float32, exactly.</summary>
    public static void HalfToSingle(ushort* src, float* dst, int count)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                var h = Vector128.Load(src + i);
                HalfBitsToSingle(Vector128.WidenLower(h)).Store(dst + i);
                HalfBitsToSingle(Vector128.WidenUpper(h)).Store(dst + i + 4);
            }
        }
        for (; i < count; i++) dst[i] = (float)BitConverter.UInt16BitsToHalf(src[i]);
    }

    private static Vector128<float> HalfBitsToSingle(Vector128<uint> bits)
    {
        var magnitude = ((bits & Vector128.Create(0x7FFFu)) << 13).AsSingle() * Vector128.Create(HalfExponentRebias);
        return (magnitude.AsUInt32() | ((bits & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }

    public static void BytesToSingle(byte* src, float* dst, int count)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                var b = Vector128.Load(src + i);
                var lo = Vector128.WidenLower(b);
                var hi = Vector128.WidenUpper(b);
                Vector128.ConvertToSingle(Vector128.WidenLower(lo).AsInt32()).Store(dst + i);
                Vector128.ConvertToSingle(Vector128.WidenUpper(lo).AsInt32()).Store(dst + i + 4);
                Vector128.ConvertToSingle(Vector128.WidenLower(hi).AsInt32()).Store(dst + i + 8);
                Vector128.ConvertToSingle(Vector128.WidenUpper(hi).AsInt32()).Store(dst + i + 12);
            }
        }
        for (; i < count; i++) dst[i] = src[i];
    }
}
