using AwqSharp.Kernels;
using BenchmarkDotNet.Attributes;

namespace AwqSharp.Benchmarks;

/// <summary>
/// The non-GEMM float32 kernels at Llama-1B sizes (hidden 2048, MLP 5632, 32 heads / 4 kv heads of 64):
/// one decode step's worth and a 512-token prefill's worth.
/// </summary>
/// <remarks>Run: <c>dotnet run -c Release --project bench/AwqSharp.Benchmarks -- --filter '*OpsBenchmarks*' --job short</c>.</remarks>
public class OpsBenchmarks
{
    private const int Hidden = 2048, Mlp = 5632, Heads = 32, KvHeads = 4, HeadDim = 64;
    private const int Context = 2048, Prefill = 512;

    private float[] _rows = [], _weight = [], _normOut = [], _gate = [], _up = [], _scores = [];
    private float[] _q = [], _keys = [], _values = [], _attnOut = [], _cos = [], _sin = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        _rows = GemmBenchmarks.Fill(rng, (long)Prefill * Hidden);
        _weight = GemmBenchmarks.Fill(rng, Hidden);
        _normOut = new float[_rows.Length];
        _gate = GemmBenchmarks.Fill(rng, (long)Prefill * Mlp);
        _up = GemmBenchmarks.Fill(rng, (long)Prefill * Mlp);
        _scores = GemmBenchmarks.Fill(rng, Context);
        _q = GemmBenchmarks.Fill(rng, (long)Prefill * Heads * HeadDim);
        _keys = GemmBenchmarks.Fill(rng, (long)Context * KvHeads * HeadDim);
        _values = GemmBenchmarks.Fill(rng, (long)Context * KvHeads * HeadDim);
        _attnOut = new float[_q.Length];
        _cos = GemmBenchmarks.Fill(rng, HeadDim / 2);
        _sin = GemmBenchmarks.Fill(rng, HeadDim / 2);
    }

    [Benchmark]
    public void RmsNormDecode() => Ops.RmsNorm(_rows.AsSpan(0, Hidden), _weight, _normOut, 1, 1e-5f);

    [Benchmark]
    public void RmsNormPrefill512() => Ops.RmsNorm(_rows, _weight, _normOut, Prefill, 1e-5f);

    [Benchmark]
    public void Softmax2048() => Ops.Softmax(_scores);

    [Benchmark]
    public void SiluMultiplyDecode() => Ops.SiluMultiply(_gate.AsSpan(0, Mlp), _up.AsSpan(0, Mlp));

    [Benchmark]
    public void SiluMultiplyPrefill512() => Ops.SiluMultiply(_gate, _up);

    /// <summary>RoPE on every query and key head of one token.</summary>
    [Benchmark]
    public void RotaryDecode()
    {
        for (int h = 0; h < Heads + KvHeads; h++) Ops.ApplyRotaryHalf(_q.AsSpan(h * HeadDim, HeadDim), _cos, _sin);
    }

    /// <summary>One token attending to a 2048-position cache.</summary>
    [Benchmark]
    public void AttentionDecodeAt2048() =>
        Attention.CausalSelfAttention(_q.AsSpan(0, Heads * HeadDim), _keys, _values, _attnOut, 1, Context - 1, Heads, KvHeads, HeadDim);

    /// <summary>A 512-token prompt from position 0.</summary>
    [Benchmark]
    public void AttentionPrefill512() =>
        Attention.CausalSelfAttention(_q, _keys, _values, _attnOut, Prefill, 0, Heads, KvHeads, HeadDim);
}
