using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AwqSharp.Formats.Safetensors;

/// <summary>Conversions between raw little-endian tensor bytes and float32.</summary>
public static class ElementConversion
{
    /// <summary>Converts <paramref name="source"/> (elements of <paramref name="dtype"/>) to float32.</summary>
    public static void ToFloat32(ReadOnlySpan<byte> source, SafetensorsDType dtype, Span<float> destination)
    {
        int n = destination.Length;
        if (source.Length != (long)n * SafetensorsDTypes.SizeOf(dtype))
            throw new ArgumentException($"{source.Length} bytes of {dtype} do not hold {n} elements", nameof(source));
        switch (dtype)
        {
            case SafetensorsDType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SafetensorsDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case SafetensorsDType.BF16:
                BFloat16ToFloat32(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            case SafetensorsDType.F64:
                { var s = MemoryMarshal.Cast<byte, double>(source); for (int i = 0; i < n; i++) destination[i] = (float)s[i]; }
                break;
            case SafetensorsDType.I64:
                { var s = MemoryMarshal.Cast<byte, long>(source); for (int i = 0; i < n; i++) destination[i] = s[i]; }
                break;
            case SafetensorsDType.I32:
                { var s = MemoryMarshal.Cast<byte, int>(source); for (int i = 0; i < n; i++) destination[i] = s[i]; }
                break;
            case SafetensorsDType.I16:
                { var s = MemoryMarshal.Cast<byte, short>(source); for (int i = 0; i < n; i++) destination[i] = s[i]; }
                break;
            case SafetensorsDType.I8:
                { var s = MemoryMarshal.Cast<byte, sbyte>(source); for (int i = 0; i < n; i++) destination[i] = s[i]; }
                break;
            case SafetensorsDType.U8:
                for (int i = 0; i < n; i++) destination[i] = source[i];
                break;
            default:
                throw new NotSupportedException($"dtype {dtype} does not convert to float32");
        }
    }

    /// <summary>bfloat16 is the top half of a float32: widen and shift.</summary>
    public static void BFloat16ToFloat32(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int i = 0;
        var dst = MemoryMarshal.Cast<float, uint>(destination);
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<ushort>.Count <= source.Length; i += Vector256<ushort>.Count)
            {
                var v = Vector256.Create(source.Slice(i, Vector256<ushort>.Count));
                var (lo, hi) = Vector256.Widen(v);
                (lo << 16).CopyTo(dst.Slice(i));
                (hi << 16).CopyTo(dst.Slice(i + Vector256<uint>.Count));
            }
        }
        for (; i < source.Length; i++) dst[i] = (uint)source[i] << 16;
    }

    /// <summary>float32 to bfloat16 with round-to-nearest-even (NaN stays NaN), as torch does.</summary>
    public static ushort Float32ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    /// <summary>Encodes float32 values as little-endian bytes of <paramref name="dtype"/> (F32, F16 or BF16).</summary>
    public static byte[] FromFloat32(ReadOnlySpan<float> values, SafetensorsDType dtype)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                return MemoryMarshal.AsBytes(values).ToArray();
            case SafetensorsDType.F16:
                {
                    var bytes = new byte[values.Length * 2];
                    TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(bytes.AsSpan()));
                    return bytes;
                }
            case SafetensorsDType.BF16:
                {
                    var bytes = new byte[values.Length * 2];
                    for (int i = 0; i < values.Length; i++)
                        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), Float32ToBFloat16(values[i]));
                    return bytes;
                }
            default:
                throw new NotSupportedException($"cannot store float32 values as {dtype}");
        }
    }
}
