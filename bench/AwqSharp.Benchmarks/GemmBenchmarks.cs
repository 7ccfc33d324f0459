using AwqSharp.Kernels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AwqSharp.Benchmarks;

/// <summary>One GEMM shape <c>Y[m, n] = X[m, k] · W[n, k]ᵀ</c>.</summary>
public sealed record GemmShape(string Name, int M, int K, int N)
{
    public double Flops => 2.0 * M * K * N;

    /// <summary>Bytes of weights the product must read.</summary>
    public double WeightBytes => 4.0 * N * K;

    /// <summary>Short enough for BenchmarkDotNet's parameter column (it truncates past 20 characters).</summary>
    public override string ToString() => $"{M}x{K}x{N}";
}

/// <summary>
/// Float32 GEMM throughput at a square size and at Llama-1B linear-layer shapes (TinyLlama / Llama-3.2-1B:
/// hidden 2048, MLP 5632): prefill of 512 tokens and the decode GEMV. Columns report GFLOP/s (2mkn / mean time)
/// and weight-streaming GB/s (4nk / mean time; the figure that matters for the memory-bound GEMV).
/// </summary>
/// <remarks>
/// Run: <c>dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*GemmBenchmarks*' --job short</c>.
/// Threads follow <c>AWQ_THREADS</c> (default: all cores); <c>AWQ_KERNEL_ISA</c> or <see cref="Isa"/> forces a vector path.
/// </remarks>
[Config(typeof(GemmBenchmarkConfig))]
public class GemmBenchmarks
{
    private float[] _x = [], _w = [], _y = [];

    public static IEnumerable<GemmShape> Shapes() =>
    [
        new("square", 2048, 2048, 2048),
        new("prefill", 512, 2048, 5632),
        new("gemv", 1, 2048, 5632),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = Shapes().First();

    /// <summary>
    /// <c>Auto</c>: the process default (widest the CPU has, or <c>AWQ_KERNEL_ISA=avx2|portable</c>); add
    /// <c>Avx2</c> or <c>Portable</c> here to compare paths in one run.
    /// </summary>
    [Params("Auto")]
    public string Isa { get; set; } = "Auto";

    private KernelIsa _previousIsa;

    [GlobalSetup]
    public void Setup()
    {
        _previousIsa = KernelIsaSelector.Override;
        if (Isa != "Auto") KernelIsaSelector.Override = Enum.Parse<KernelIsa>(Isa);
        var rng = new Random(42);
        _x = Fill(rng, (long)Shape.M * Shape.K);
        _w = Fill(rng, (long)Shape.N * Shape.K);
        _y = new float[(long)Shape.M * Shape.N];
    }

    [GlobalCleanup]
    public void Cleanup() => KernelIsaSelector.Override = _previousIsa;

    [Benchmark]
    public void MultiplyTransposed() => MatMul.MultiplyTransposed(_x, _w, _y, Shape.M, Shape.K, Shape.N);

    internal static float[] Fill(Random rng, long length)
    {
        var a = new float[length];
        for (long i = 0; i < length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        return a;
    }
}

/// <summary>Adds the GFLOP/s and GB/s columns.</summary>
public sealed class GemmBenchmarkConfig : ManualConfig
{
    public GemmBenchmarkConfig()
    {
        AddColumn(new ThroughputColumn("GFLOP/s", s => s.Flops));
        AddColumn(new ThroughputColumn("W GB/s", s => s.WeightBytes));
    }
}

/// <summary>A per-benchmark rate: <c>amount(shape) / mean time</c> in units per nanosecond, i.e. G-units per second.</summary>
public sealed class ThroughputColumn(string name, Func<GemmShape, double> amount) : IColumn
{
    public string Id => "Throughput." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{name}: work of one call divided by its mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (mean is not > 0 || benchmarkCase.Parameters["Shape"] is not GemmShape shape) return "-";
        return (amount(shape) / mean.Value).ToString("F1");
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
