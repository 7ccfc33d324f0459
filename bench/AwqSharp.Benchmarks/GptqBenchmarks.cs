using AwqSharp.Kernels;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Gptq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AwqSharp.Benchmarks;

/// <summary>
/// GPTQ's hot loops on a <c>[Columns, Columns]</c> linear with <see cref="Tokens"/> calibration tokens, against the float32 GEMM
/// of the same shape: the Hessian accumulation (<c>XᵀX</c>, upper triangle, float64), the column sweep (in-block rank-1
/// updates and the lazy block updates, float32, block 128), the whole per-linear GPTQ, and
/// <c>MatMul.MultiplyTransposed</c> for <c>[Tokens, Columns] · [Columns, Columns]ᵀ</c> (the layer's forward on the same tokens).
/// The GFLOP/s column counts 2 flops per multiply-add actually needed: n·d(d+1) for the Hessian, the sweep's exact update count,
/// 2·n·d² for the GEMM.
/// Run: dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*GptqBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[Config(typeof(GptqBenchmarkConfig))]
public class GptqBenchmarks
{
    private float[] _x = [], _w = [], _y = [];
    private double[] _hessian = [];
    private SweepProblem _problem = null!;

    [Params(1024, 2048)]
    public int Columns { get; set; }

    public const int Tokens = 4096;
    private const int BlockSize = 128;

    [GlobalSetup]
    public void Setup()
    {
        int d = Columns;
        var rng = new Random(1);
        _x = new float[Tokens * d];
        for (int i = 0; i < _x.Length; i++) _x[i] = (float)(rng.NextDouble() * 2 - 1);
        _w = new float[d * d];
        for (int i = 0; i < _w.Length; i++) _w[i] = (float)((rng.NextDouble() - 0.5) * 0.04);
        _y = new float[Tokens * d];
        var acc = new HessianAccumulator(d);
        acc.Add(_x, Tokens);
        _hessian = acc.ToHessian();
        var factor = InverseHessian.Compute(_hessian, d, GptqOptions.Default, "bench", 0);
        var options = new QuantizationOptions(4, 128);
        _problem = new SweepProblem
        {
            Weight = _w, Rows = d, Cols = d, Factor = factor, BlockSize = BlockSize, MaxQ = 15, Symmetric = false, GroupSize = 128,
            Groups = options.GroupCount(d), DynamicGroups = true, GroupOfColumn = new int[d], OriginalColumn = Enumerable.Range(0, d).ToArray(),
            Scales = new float[d * options.GroupCount(d)], Zeros = new float[d * options.GroupCount(d)], Codes = new byte[d * d], RowLoss = new double[d],
        };
    }

    [Benchmark(Description = "Hessian XᵀX (float64)")]
    public void Hessian()
    {
        var acc = new HessianAccumulator(Columns);
        acc.Add(_x, Tokens);
    }

    [Benchmark(Description = "GPTQ sweep (float32)")]
    public void Sweep() => GptqSweep.Run(_problem, GroupKernels.Best, degree: 0);

    [Benchmark(Description = "Inverse-Hessian factor (float64)")]
    public float[] Factor() => InverseHessian.Compute(_hessian, Columns, GptqOptions.Default, "bench", 0).Transposed;

    [Benchmark(Description = "GPTQ one linear (factor + sweep)")]
    public QuantizedWeight Linear() => GptqQuantizer.Quantize(_w, Columns, Columns, _hessian, new QuantizationOptions(4, 128)).Weight;

    [Benchmark(Baseline = true, Description = "GEMM x·Wᵀ (float32)")]
    public void Gemm() => MatMul.MultiplyTransposed(_x, _w, _y, Tokens, Columns, Columns);

    /// <summary>Flops each benchmark needs (2 per multiply-add); 0 where GFLOP/s is not meaningful.</summary>
    public static double Flops(string method, int d) => method switch
    {
        nameof(Hessian) => (double)Tokens * d * (d + 1),
        nameof(Sweep) => 2.0 * d * SweepMultiplyAdds(d, BlockSize),
        nameof(Factor) => 2.0 * d * d * d / 3, // reverse Cholesky d³/6 + triangular inverse d³/6 multiply-adds
        nameof(Gemm) => 2.0 * Tokens * d * d,
        _ => 0,
    };

    /// <summary>Per row: the in-block updates (columns after i within its block) plus the lazy updates (block × columns after it).</summary>
    public static double SweepMultiplyAdds(int d, int block)
    {
        double sum = 0;
        for (int i1 = 0; i1 < d; i1 += block)
        {
            int count = Math.Min(block, d - i1);
            sum += (double)count * (count - 1) / 2 + (double)count * (d - i1 - count);
        }
        return sum;
    }
}

/// <summary>Adds the GFLOP/s column.</summary>
public sealed class GptqBenchmarkConfig : ManualConfig
{
    public GptqBenchmarkConfig() => AddColumn(new GptqGflopsColumn());
}

/// <summary>GFLOP/s = <see cref="GptqBenchmarks.Flops"/> / mean time.</summary>
public sealed class GptqGflopsColumn : IColumn
{
    public string Id => nameof(GptqGflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "useful floating-point operations per second (2 per multiply-add)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats) return "-";
        int d = (int)benchmarkCase.Parameters[nameof(GptqBenchmarks.Columns)];
        double flops = GptqBenchmarks.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name, d);
        return flops == 0 ? "-" : (flops / stats.Mean).ToString("F1"); // flops per ns = GFLOP/s
    }
}
