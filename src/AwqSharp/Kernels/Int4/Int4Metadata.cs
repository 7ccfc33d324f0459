using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Expands the packed per-group metadata of tiles (fp16 or fp32 scales, byte zero points) into
/// float32 scratch that the kernels broadcast from: <c>s[g · 4 + row]</c>, <c>z[g · 4 + row]</c> per tile.
/// </summary>
internal static unsafe class Int4Metadata
{
    /// <summary>2^112: rescales an fp16 bit pattern shifted into fp32 position (exact for every finite half, subnormals included).</summary>
    private const float HalfExponentRebias = 5.192296858534828e33f;

    /// <summary>Floats of scratch one tile needs for its scales (the same again for its zero points).</summary>
    public static int TileLength(PackedInt4Matrix w) => w.GroupCount * PackedInt4Matrix.RowsPerTile;

    /// <summary>Expands tiles [<paramref name="first"/>, first + <paramref name="count"/>) (contiguous in the packed metadata): tile t's group g, row r at index ((t - first) · GroupCount + g) · 4 + r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ConvertTiles(PackedInt4Matrix w, int first, int count, float* scales, float* zeros)
    {
        int length = count * TileLength(w);
        int start = first * TileLength(w);
        if (w.HalfScales is { } half)
        {
            fixed (ushort* p = &half[start]) HalfToSingle(p, scales, length);
        }
        else
        {
            new ReadOnlySpan<float>(w.SingleScales, start, length).CopyTo(new Span<float>(scales, length));
        }
        fixed (byte* p = &w.Zeros[start]) BytesToSingle(p, zeros, length);
    }

    /// <summary>Converts finite fp16 bit patterns to float32, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void HalfToSingle(ushort* src, float* dst, int count)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var mask = Vector512.Create(0x7FFFu);
            var sign = Vector512.Create(0x8000u);
            var rebias = Vector512.Create(HalfExponentRebias);
            for (; i + 16 <= count; i += 16)
            {
                var bits = Avx512F.ConvertToVector512UInt32(Vector256.Load(src + i));
                var magnitude = ((bits & mask) << 13).AsSingle() * rebias;
                (magnitude.AsUInt32() | ((bits & sign) << 16)).AsSingle().Store(dst + i);
            }
        }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BytesToSingle(byte* src, float* dst, int count)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 16 <= count; i += 16)
                Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(src + i))).Store(dst + i);
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
