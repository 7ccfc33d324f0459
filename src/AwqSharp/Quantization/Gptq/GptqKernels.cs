using AwqSharp.Kernels;

namespace AwqSharp.Quantization.Gptq;

/// <summary>Which instruction-set path the GPTQ kernels (Hessian, sweep) take by default.</summary>
internal static class GptqKernels
{
    /// <summary>
    /// The GEMM's choice (<see cref="KernelIsaSelector"/>): 512-bit vectors wherever the CPU has AVX-512, even where .NET
    /// prefers 256-bit <c>Vector&lt;T&gt;</c>, else AVX2, else portable 128-bit; <c>AWQ_KERNEL_ISA</c> overrides. Every path
    /// gives the same bits, so this only affects speed.
    /// </summary>
    public static SimdPath Best => KernelIsaSelector.Resolve(KernelIsa.Auto) switch
    {
        KernelIsa.Avx512 => SimdPath.Vector512,
        KernelIsa.Avx2 => SimdPath.Vector256,
        _ => SimdPath.Vector128,
    };
}
