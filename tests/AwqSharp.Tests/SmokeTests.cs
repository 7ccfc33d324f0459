using AwqSharp.Kernels;

namespace AwqSharp.Tests;

public class SmokeTests
{
    [Fact]
    public void MatMulTransposedMatchesHandComputed()
    {
        float[] x = [1, 2, 3, 4, 5, 6];       // [2,3]
        float[] w = [1, 0, -1, 2, 1, 0];      // [2,3]
        var y = new float[4];
        MatMul.MultiplyTransposed(x, w, y, 2, 3, 2);
        Assert.Equal([-2f, 4f, -2f, 13f], y);
    }
}
