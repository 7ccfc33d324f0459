using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AwqSharp.Kernels.Int4;

/// <summary>
/// Run-time dispatch of the INT4 kernels: which instruction-set path runs and on how many threads.
/// Results never depend on the thread count (each output is reduced by one thread in a fixed order);
/// they do depend, within float rounding, on the path.
/// </summary>
public static class Int4Kernels
{
    private static readonly AsyncLocal<Int4Isa?> s_forcedIsa = new();
    private static readonly AsyncLocal<int?> s_forcedThreads = new();

    /// <summary>The fastest path this CPU supports.</summary>
    public static Int4Isa BestSupported { get; } = Detect();

    /// <summary>
    /// The path <see cref="PackedInt4Matrix.Multiply"/> uses now: <see cref="BestSupported"/>, unless the
    /// float kernels' process-wide choice (<c>AWQ_KERNEL_ISA</c>: avx512, avx2, portable) or a test override says otherwise.
    /// </summary>
    public static Int4Isa Active => s_forcedIsa.Value ?? FromFloatKernels(KernelIsaSelector.Override) ?? BestSupported;

    /// <summary>Threads the kernels use now: <see cref="Parallelism.MaxDegreeOfParallelism"/> (<c>AWQ_THREADS</c>) unless overridden.</summary>
    public static int Threads => s_forcedThreads.Value ?? Parallelism.MaxDegreeOfParallelism;

    /// <summary>Whether this CPU can run <paramref name="isa"/>.</summary>
    public static bool IsSupported(Int4Isa isa) => isa switch
    {
        Int4Isa.Scalar => true,
        Int4Isa.Vector128 => Vector128.IsHardwareAccelerated,
        Int4Isa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        Int4Isa.Avx512 => Avx512F.IsSupported && Avx512BW.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Overrides the path (null = automatic) for the current execution context (the calling test or
    /// benchmark, and what it awaits), so tests can exercise every path the CPU supports.
    /// </summary>
    internal static Int4Isa? ForceIsa
    {
        get => s_forcedIsa.Value;
        set
        {
            if (value is { } isa && !IsSupported(isa)) throw new PlatformNotSupportedException($"this CPU cannot run the {isa} INT4 path");
            s_forcedIsa.Value = value;
        }
    }

    /// <summary>Overrides the thread count (null = automatic) for the current execution context.</summary>
    internal static int? ForceThreads
    {
        get => s_forcedThreads.Value;
        set
        {
            if (value is < 1) throw new ArgumentOutOfRangeException(nameof(value), $"thread count must be at least 1, got {value}");
            s_forcedThreads.Value = value;
        }
    }

    /// <summary>Every path this CPU supports, slowest first.</summary>
    public static IReadOnlyList<Int4Isa> SupportedPaths { get; } =
        Enum.GetValues<Int4Isa>().Where(IsSupported).ToArray();

    private static Int4Isa? FromFloatKernels(KernelIsa isa)
    {
        Int4Isa? mapped = isa switch
        {
            KernelIsa.Avx512 => Int4Isa.Avx512,
            KernelIsa.Avx2 => Int4Isa.Avx2,
            KernelIsa.Portable => Int4Isa.Vector128,
            _ => null,
        };
        return mapped is { } m && IsSupported(m) ? m : null;
    }

    private static Int4Isa Detect()
    {
        if (IsSupported(Int4Isa.Avx512)) return Int4Isa.Avx512;
        if (IsSupported(Int4Isa.Avx2)) return Int4Isa.Avx2;
        if (IsSupported(Int4Isa.Vector128)) return Int4Isa.Vector128;
        return Int4Isa.Scalar;
    }
}
