using System.Numerics.Tensors;
using AwqSharp.Kernels;
using AwqSharp.Kernels.Int4;
using AwqSharp.Quantization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AwqSharp.Benchmarks;

/// <summary>
/// Decode (m = 1) at Llama-3.2-1B / TinyLlama and Llama-2-7B shapes: INT4 GEMV against an FP32 GEMV
/// (TensorPrimitives.Dot per row on 2 threads), with the weight bytes each streams per call, the GB/s
/// that makes, and that as a share of the machine's measured read bandwidth (the decode roofline).
/// Weights are cold (cycled through copies larger than the L3), as they are when decoding a real model.
/// Run: dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*Int4Gemv*' --job short
/// </summary>
[Config(typeof(Int4BenchmarkConfig))]
public class Int4GemvBenchmarks
{
    /// <summary>in x out of the linear layer.</summary>
    [Params("2048x5632", "5632x2048", "2048x2048", "4096x11008")]
    public string Shape { get; set; } = "2048x2048";

    /// <summary>Each benchmark cycles through copies of its weights totalling at least this much, so they come from DRAM as in a real model (a 2048x2048 INT4 matrix alone would sit in L3).</summary>
    private const long ColdBytes = 256L << 20;

    private PackedInt4Matrix[] _packed = null!, _up = null!;
    private float[][] _dense = null!;
    private float[] _x = null!, _y = null!;
    private int _in, _out, _next;

    [GlobalSetup]
    public void Setup()
    {
        (_in, _out) = Int4BenchmarkShapes.Parse(Shape);
        int int4Copies = Copies(2 * Int4BenchmarkShapes.PackedBytes(_out, _in)), fp32Copies = Copies((long)_out * _in * sizeof(float));
        _packed = Enumerable.Range(0, int4Copies).Select(i => Int4BenchmarkShapes.RandomPacked(_out, _in, seed: 2 * i + 1)).ToArray();
        _up = Enumerable.Range(0, int4Copies).Select(i => Int4BenchmarkShapes.RandomPacked(_out, _in, seed: 2 * i + 2)).ToArray();
        _dense = Enumerable.Range(0, fp32Copies).Select(i => Int4BenchmarkShapes.RandomFloats((long)_out * _in, seed: 100 + i, scale: 0.02f)).ToArray();
        _x = Int4BenchmarkShapes.RandomFloats(_in, seed: 4, scale: 1f);
        _y = new float[_out];
    }

    private static int Copies(long bytes) => (int)Math.Max(1, (ColdBytes + bytes - 1) / bytes);

    [Benchmark(Baseline = true, Description = "FP32 GEMV")]
    public void Fp32Gemv()
    {
        const int threads = 2;
        var dense = _dense[_next++ % _dense.Length];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int first = _out * t / threads, end = _out * (t + 1) / threads;
            for (int o = first; o < end; o++) _y[o] = TensorPrimitives.Dot(_x, dense.AsSpan(o * _in, _in));
        });
    }

    [Benchmark(Description = "INT4 GEMV")]
    public void Int4Gemv() => _packed[_next++ % _packed.Length].Multiply(_x, _y, 1);

    /// <summary>Gate and up projections with SiLU in one pass (two matrices of this shape).</summary>
    [Benchmark(Description = "INT4 gate+up SiLU")]
    public void Int4SiluGateUp()
    {
        int i = _next++ % _packed.Length;
        PackedInt4Matrix.MultiplySiluGateUp(_x, _packed[i], _up[i], _y, 1);
    }

    internal static long BytesStreamed(BenchmarkCase benchmark)
    {
        var (k, n) = Int4BenchmarkShapes.Parse((string)benchmark.Parameters["Shape"]);
        return benchmark.Descriptor.WorkloadMethod.Name switch
        {
            nameof(Fp32Gemv) => (long)n * k * sizeof(float),
            nameof(Int4Gemv) => Int4BenchmarkShapes.PackedBytes(n, k),
            nameof(Int4SiluGateUp) => 2 * Int4BenchmarkShapes.PackedBytes(n, k),
            _ => 0,
        };
    }
}

/// <summary>
/// Prefill (m = 128 and 512 rows): INT4 panel GEMM against the FP32 GEMM <see cref="MatMul.MultiplyTransposed"/>, in GFLOP/s.
/// Run: dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*Int4Prefill*' --job short
/// </summary>
[Config(typeof(Int4BenchmarkConfig))]
public class Int4PrefillBenchmarks
{
    [Params("2048x5632", "5632x2048", "2048x2048")]
    public string Shape { get; set; } = "2048x2048";

    [Params(128, 512)]
    public int M { get; set; } = 128;

    private PackedInt4Matrix _packed = null!;
    private float[] _dense = null!, _x = null!, _y = null!;
    private int _in, _out;

    [GlobalSetup]
    public void Setup()
    {
        (_in, _out) = Int4BenchmarkShapes.Parse(Shape);
        _packed = Int4BenchmarkShapes.RandomPacked(_out, _in, seed: 1);
        _dense = _packed.Dequantize();
        _x = Int4BenchmarkShapes.RandomFloats((long)M * _in, seed: 4, scale: 1f);
        _y = new float[(long)M * _out];
    }

    [Benchmark(Baseline = true, Description = "FP32 GEMM")]
    public void Fp32Gemm() => MatMul.MultiplyTransposed(_x, _dense, _y, M, _in, _out);

    [Benchmark(Description = "INT4 GEMM")]
    public void Int4Gemm() => _packed.Multiply(_x, _y, M);

    internal static double Flops(BenchmarkCase benchmark)
    {
        if (!benchmark.Parameters.Items.Any(p => p.Name == nameof(M))) return 0;
        var (k, n) = Int4BenchmarkShapes.Parse((string)benchmark.Parameters["Shape"]);
        return 2.0 * (int)benchmark.Parameters["M"] * n * k;
    }
}

/// <summary>Random group-128 weights in real shapes.</summary>
internal static class Int4BenchmarkShapes
{
    public const int GroupSize = 128;

    public static (int In, int Out) Parse(string shape)
    {
        var parts = shape.Split('x');
        return (int.Parse(parts[0]), int.Parse(parts[1]));
    }

    /// <summary>What <see cref="PackedInt4Matrix.WeightBytes"/> is for these shapes (fp16 scales): nibbles + 3 bytes a group.</summary>
    public static long PackedBytes(int outFeatures, int inFeatures)
    {
        long rows = (outFeatures + 3) / 4 * 4, chunks = (inFeatures + 127) / 128, groups = (inFeatures + GroupSize - 1) / GroupSize;
        return rows * chunks * 64 + rows * groups * 3;
    }

    public static PackedInt4Matrix RandomPacked(int outFeatures, int inFeatures, int seed)
    {
        var rng = new Random(seed);
        int groups = (inFeatures + GroupSize - 1) / GroupSize;
        var codes = new byte[(long)outFeatures * inFeatures];
        rng.NextBytes(codes);
        for (long i = 0; i < codes.LongLength; i++) codes[i] &= 15;
        var scales = new float[outFeatures * groups];
        var zeros = new byte[outFeatures * groups];
        for (int i = 0; i < scales.Length; i++)
        {
            scales[i] = (float)(Half)(0.002f + 0.01f * rng.NextSingle());
            zeros[i] = (byte)rng.Next(16);
        }
        return PackedInt4Matrix.FromQuantized(new QuantizedWeight(outFeatures, inFeatures, 4, GroupSize, codes, scales, zeros));
    }

    public static float[] RandomFloats(long count, int seed, float scale)
    {
        var rng = new Random(seed);
        var values = new float[count];
        for (long i = 0; i < count; i++) values[i] = (rng.NextSingle() * 2 - 1) * scale;
        return values;
    }
}

/// <summary>Adds the bandwidth and throughput columns.</summary>
public sealed class Int4BenchmarkConfig : ManualConfig
{
    public Int4BenchmarkConfig()
    {
        AddColumn(
            new Int4RateColumn("Weights MB", "weight bytes streamed per call, MB (10^6)", b => Int4GemvBenchmarks.BytesStreamed(b) / 1e6, perSecond: false),
            new Int4RateColumn("GB/s", "weight bytes streamed per second, GB (10^9)", b => Int4GemvBenchmarks.BytesStreamed(b) / 1e9, perSecond: true),
            new Int4RateColumn("% read BW", "GB/s as a share of MemoryBandwidth.MeasureReadGBps() (1 GiB, all threads, best of 5)", b => Int4GemvBenchmarks.BytesStreamed(b) / 1e9 / Int4RateColumn.ReadBandwidthGBps * 100, perSecond: true),
            new Int4RateColumn("GFLOP/s", "2·m·in·out per second", b => Int4PrefillBenchmarks.Flops(b) / 1e9, perSecond: true));
    }
}

/// <summary>A column computed from each benchmark's mean time: value(case), or value(case) per second.</summary>
public sealed class Int4RateColumn(string name, string legend, Func<BenchmarkCase, double> value, bool perSecond) : IColumn
{
    private static readonly Lazy<double> s_bandwidth = new(() => MemoryBandwidth.MeasureReadGBps());

    /// <summary>Measured once, in the host process, after the benchmarks ran.</summary>
    public static double ReadBandwidthGBps => s_bandwidth.Value;

    public string Id => "Int4." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(b => Applies(b));
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (!Applies(benchmarkCase)) return "-";
        double v = value(benchmarkCase);
        if (perSecond)
        {
            double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
            if (meanNs is not > 0) return "?";
            v /= meanNs.Value * 1e-9;
        }
        return v.ToString(v >= 100 ? "F0" : "F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    private bool Applies(BenchmarkCase b) => value(b) > 0;
}
