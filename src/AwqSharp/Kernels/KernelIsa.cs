using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels;

/// <summary>
/// Which instruction-set path the float32 kernels take. <see cref="Auto"/> picks the widest one the CPU has;
/// the others force a path (tests run every path the CPU supports; benchmarks compare them).
/// </summary>
internal enum KernelIsa
{
    /// <summary>The widest supported path: <see cref="Avx512"/>, else <see cref="Avx2"/>, else <see cref="Portable"/>.</summary>
    Auto = 0,
    /// <summary>512-bit vectors (AVX-512F), used explicitly even where the runtime does not prefer 512-bit <c>Vector&lt;T&gt;</c>.</summary>
    Avx512,
    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA).</summary>
    Avx2,
    /// <summary>128-bit <see cref="Vector128{T}"/> code: SSE on x86, AdvSimd on Arm, software elsewhere.</summary>
    Portable,
}

/// <summary>Resolves <see cref="KernelIsa"/> requests against what this CPU supports.</summary>
internal static class KernelIsaSelector
{
    private static KernelIsa _override = ParseEnvironment(Environment.GetEnvironmentVariable("AWQ_KERNEL_ISA"));

    /// <summary>
    /// Process-wide choice used by the public kernels (default from the <c>AWQ_KERNEL_ISA</c> environment variable:
    /// <c>avx512</c>, <c>avx2</c>, <c>portable</c>; otherwise <see cref="KernelIsa.Auto"/>). A forced path the CPU
    /// lacks falls back to the best supported one. Tests pass a path explicitly instead of setting this.
    /// </summary>
    public static KernelIsa Override
    {
        get => _override;
        set => _override = value;
    }

    /// <summary>The widest path this CPU runs.</summary>
    public static KernelIsa Best { get; } =
        Avx512F.IsSupported ? KernelIsa.Avx512 :
        Avx2.IsSupported && Fma.IsSupported ? KernelIsa.Avx2 :
        KernelIsa.Portable;

    /// <summary>Every path this CPU runs, widest first.</summary>
    public static IReadOnlyList<KernelIsa> Supported { get; } =
        new[] { KernelIsa.Avx512, KernelIsa.Avx2, KernelIsa.Portable }.Where(IsSupported).ToArray();

    public static bool IsSupported(KernelIsa isa) => isa switch
    {
        KernelIsa.Auto or KernelIsa.Portable => true,
        KernelIsa.Avx512 => Avx512F.IsSupported,
        KernelIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>The concrete path for a request: <paramref name="requested"/> if supported, else <see cref="Best"/>.</summary>
    public static KernelIsa Resolve(KernelIsa requested)
    {
        if (requested == KernelIsa.Auto) requested = _override;
        return requested != KernelIsa.Auto && IsSupported(requested) ? requested : Best;
    }

    private static KernelIsa ParseEnvironment(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "avx512" => KernelIsa.Avx512,
        "avx2" => KernelIsa.Avx2,
        "portable" or "vector128" => KernelIsa.Portable,
        _ => KernelIsa.Auto,
    };
}
