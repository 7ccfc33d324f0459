namespace AwqSharp.Models;

/// <summary>How quantized checkpoints run.</summary>
public enum QuantizedBackend
{
    /// <summary>4-bit weights stay packed and run on the INT4 kernels; other bit widths are dequantized to float32.</summary>
    Packed,
    /// <summary>Every quantized weight is dequantized to float32 at load (the reference path the INT4 kernels are checked against).</summary>
    Dequantized,
}
