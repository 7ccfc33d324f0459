namespace AwqSharp.Kernels.Int4;

/// <summary>The instruction-set paths of the INT4 kernels, slowest first.</summary>
public enum Int4Isa
{
    /// <summary>Plain scalar loops: the reference path, and the fallback for group sizes that are not a multiple of 16.</summary>
    Scalar = 0,
    /// <summary>Portable 128-bit SIMD (<c>Vector128</c>: SSE on x86, NEON on Arm).</summary>
    Vector128 = 1,
    /// <summary>AVX2 + FMA, 256-bit.</summary>
    Avx2 = 2,
    /// <summary>AVX-512 F/BW: 512-bit, nibbles dequantized by a 16-entry <c>vpermps</c> table lookup.</summary>
    Avx512 = 3,
}
