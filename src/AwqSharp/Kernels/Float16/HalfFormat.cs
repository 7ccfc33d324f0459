namespace AwqSharp.Kernels.Float16;

/// <summary>The 16-bit float formats a <see cref="HalfMatrix"/> keeps weights in (as a checkpoint stores them).</summary>
public enum HalfFormat
{
    /// <summary>IEEE 754 binary16 (safetensors <c>F16</c>): 5 exponent bits, 10 mantissa bits.</summary>
    Float16 = 0,
    /// <summary>bfloat16 (safetensors <c>BF16</c>): the upper half of a float32.</summary>
    BFloat16 = 1,
}
