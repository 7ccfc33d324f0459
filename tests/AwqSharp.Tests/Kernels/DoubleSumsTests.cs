using AwqSharp.Kernels;

namespace AwqSharp.Tests.Kernels;

public class DoubleSumsTests
{
    [Theory]
    [MemberData(nameof(KernelTestData.SupportedIsas), MemberType = typeof(KernelTestData))]
    public void SumsMatchFloat64LoopAtEveryLength(string isaName)
    {
        var isa = KernelTestData.Isa(isaName);
        for (int n = 0; n <= 70; n++)
        {
            var x = KernelTestData.Uniform(n, n, 5f);
            double sum = 0, squares = 0;
            foreach (float v in x) { sum += v; squares += (double)v * v; }
            Assert.Equal(sum, DoubleSums.Sum(x, isa), 1e-12);
            Assert.Equal(squares, DoubleSums.SumOfSquares(x, isa), 1e-12);
        }
    }
}
