using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Quantization;

internal static partial class GroupKernels
{
    /// <summary>Converts integer-valued codes in [0, 255] (as float) to bytes.</summary>
    public static void NarrowToBytes(ReadOnlySpan<float> codes, Span<byte> destination)
    {
        if (destination.Length < codes.Length) throw new ArgumentException("destination too short", nameof(destination));
        int n = codes.Length, i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref float src = ref MemoryMarshal.GetReference(codes);
            ref byte dst = ref MemoryMarshal.GetReference(destination);
            for (; i <= n - 16; i += 16)
            {
                var a = Vector128.ConvertToInt32(Vector128.LoadUnsafe(ref src, (nuint)i));
                var b = Vector128.ConvertToInt32(Vector128.LoadUnsafe(ref src, (nuint)i + 4));
                var c = Vector128.ConvertToInt32(Vector128.LoadUnsafe(ref src, (nuint)i + 8));
                var d = Vector128.ConvertToInt32(Vector128.LoadUnsafe(ref src, (nuint)i + 12));
                var lo = Vector128.Narrow(a.AsUInt32(), b.AsUInt32());
                var hi = Vector128.Narrow(c.AsUInt32(), d.AsUInt32());
                Vector128.Narrow(lo, hi).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < n; i++) destination[i] = (byte)codes[i];
    }
}
