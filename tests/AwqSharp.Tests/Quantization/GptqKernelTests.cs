using AwqSharp.Quantization;
using AwqSharp.Quantization.Gptq;

namespace AwqSharp.Tests.Quantization;

/// <summary>The GPTQ kernels give the same bits on every instruction-set path and thread count.</summary>
public class GptqKernelTests
{
    private static readonly SimdPath[] Paths = [SimdPath.Scalar, SimdPath.Vector128, SimdPath.Vector256, SimdPath.Vector512];

    [Fact]
    public void HessianIsIdenticalOnEveryPathAndThreadCount()
    {
        int cols = 150, tokens = 700; // > one 256-token pass, ragged panels
        var (_, x) = GptqTestData.Linear(4, cols, tokens, seed: 11);
        double[]? expected = null;
        foreach (var path in Paths.Where(GroupKernels.IsSupported))
            foreach (int degree in new[] { 1, 3 })
            {
                var acc = new HessianAccumulator(cols, path, degree);
                acc.Add(x.AsSpan(0, 300 * cols), 300);
                acc.Add(x.AsSpan(300 * cols), tokens - 300);
                var h = acc.ToHessian();
                if (expected is null) expected = h;
                else Assert.True(expected.AsSpan().SequenceEqual(h), $"Hessian differs on {path} with {degree} threads");
            }
    }

    [Theory]
    [InlineData(false, 32)]
    [InlineData(true, 32)]
    [InlineData(false, -1)]
    public void SweepIsIdenticalOnEveryPathAndThreadCount(bool actOrder, int group)
    {
        // 37 rows: ragged tiles on every path; 160 inputs: ragged groups and lazy blocks.
        int rows = 37, cols = 160, tokens = 400;
        var (w, x) = GptqTestData.Linear(rows, cols, tokens, seed: 3);
        var acc = new HessianAccumulator(cols);
        acc.Add(x, tokens);
        var h = acc.ToHessian();
        var options = new QuantizationOptions(3, group);
        var gptq = new GptqOptions(BlockSize: 64, ActOrder: actOrder);
        GptqResult? expected = null;
        foreach (var path in Paths.Where(GroupKernels.IsSupported))
            foreach (int degree in new[] { 1, 3 })
            {
                var r = GptqQuantizer.Quantize(w, rows, cols, h, options, gptq, "test", path, degree);
                if (expected is null) { expected = r; continue; }
                Assert.True(expected.Weight.Codes.AsSpan().SequenceEqual(r.Weight.Codes), $"codes differ on {path} with {degree} threads");
                Assert.True(expected.Weight.Scales.AsSpan().SequenceEqual(r.Weight.Scales), $"scales differ on {path} with {degree} threads");
                Assert.Equal(expected.Weight.Zeros, r.Weight.Zeros);
                Assert.Equal(expected.Loss, r.Loss);
            }
    }

    [Fact]
    public void InverseFactorDoesNotDependOnTheThreadCount()
    {
        int cols = 270; // above the parallel threshold
        var (_, x) = GptqTestData.Linear(2, cols, 500, seed: 8);
        var acc = new HessianAccumulator(cols);
        acc.Add(x, 500);
        var h = acc.ToHessian();
        var one = InverseHessian.Compute(h, cols, GptqOptions.Default, "test", degree: 1);
        var many = InverseHessian.Compute(h, cols, GptqOptions.Default, "test", degree: 4);
        Assert.True(one.Transposed.AsSpan().SequenceEqual(many.Transposed));
    }
}
