namespace AwqSharp.Formats.Safetensors;

/// <summary>The element types of the safetensors format (the names are the header's dtype strings).</summary>
public enum SafetensorsDType
{
    F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL,
}

/// <summary>Sizes and names of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    public static int SizeOf(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        SafetensorsDType.F32 or SafetensorsDType.I32 => 4,
        SafetensorsDType.F16 or SafetensorsDType.BF16 or SafetensorsDType.I16 => 2,
        SafetensorsDType.I8 or SafetensorsDType.U8 or SafetensorsDType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static bool TryParse(string text, out SafetensorsDType dtype)
    {
        switch (text)
        {
            case "F64": dtype = SafetensorsDType.F64; return true;
            case "F32": dtype = SafetensorsDType.F32; return true;
            case "F16": dtype = SafetensorsDType.F16; return true;
            case "BF16": dtype = SafetensorsDType.BF16; return true;
            case "I64": dtype = SafetensorsDType.I64; return true;
            case "I32": dtype = SafetensorsDType.I32; return true;
            case "I16": dtype = SafetensorsDType.I16; return true;
            case "I8": dtype = SafetensorsDType.I8; return true;
            case "U8": dtype = SafetensorsDType.U8; return true;
            case "BOOL": dtype = SafetensorsDType.BOOL; return true;
            default: dtype = default; return false;
        }
    }

    public static string Name(SafetensorsDType dtype) => dtype.ToString();

    /// <summary>Whether <see cref="SafetensorsFile.ReadFloat32(string)"/> can convert this type.</summary>
    public static bool ConvertsToFloat32(SafetensorsDType dtype) => dtype != SafetensorsDType.BOOL;
}
