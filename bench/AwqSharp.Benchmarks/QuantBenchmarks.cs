using AwqSharp.Formats.AutoAwq;
using AwqSharp.Quantization;
using BenchmarkDotNet.Attributes;

namespace AwqSharp.Benchmarks;

/// <summary>
/// Group quantizer throughput on a 4096x4096 float32 weight (64 MiB; Llama-7B's q_proj shape): fake quantization (the
/// AWQ search's inner loop), real quantization and AutoAWQ packing. GB/s = 64 MiB of float32 input / mean time.
/// Run: dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*QuantBenchmarks*'
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
[MemoryDiagnoser]
public class QuantBenchmarks
{
    private const int Rows = 4096, Cols = 4096;
    private float[] _weight = [];
    private float[] _scratch = [];
    private QuantizedWeight _quantized = null!;

    [Params(QuantizationPrecision.Float32, QuantizationPrecision.Float16)]
    public QuantizationPrecision Precision { get; set; }

    private QuantizationOptions Options => new(4, 128, true, Precision);

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _weight = new float[Rows * Cols];
        for (int i = 0; i < _weight.Length; i++) _weight[i] = (float)((rng.NextDouble() - 0.5) * 0.1);
        _scratch = new float[_weight.Length];
        _quantized = GroupQuantizer.Quantize(_weight, Rows, Cols, Options);
    }

    [Benchmark(Description = "FakeQuantize 4096x4096 g128")]
    public void FakeQuantize() => GroupQuantizer.FakeQuantize(_weight, _scratch, Rows, Cols, Options);

    [Benchmark(Description = "Quantize 4096x4096 g128")]
    public QuantizedWeight Quantize() => GroupQuantizer.Quantize(_weight, Rows, Cols, Options);

    [Benchmark(Description = "AutoAwqPacking.Pack 4096x4096")]
    public int Pack() => AutoAwqPacking.Pack(_quantized).QWeight.Length;
}
