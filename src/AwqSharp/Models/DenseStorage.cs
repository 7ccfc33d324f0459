namespace AwqSharp.Models;

/// <summary>How the loader stores unquantized weights.</summary>
public enum DenseStorage
{
    /// <summary>Every dense linear widened to float32 (what quantization needs: AWQ and GPTQ rewrite the weights).</summary>
    Float32 = 0,
    /// <summary>
    /// F16 and BF16 linears stay 16-bit in memory and are widened in registers
    /// (<see cref="Runtime.HalfPrecisionLinear"/>): half the memory and bytes per token, the same outputs. What inference
    /// uses. F32 tensors stay float32; embeddings and norms are float32 either way.
    /// </summary>
    KeepHalf = 1,
}
