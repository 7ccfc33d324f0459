using AwqSharp.Kernels;

namespace AwqSharp.Tests.Kernels;

public class ParallelismTests
{
    [Fact]
    public void MaxDegreeRejectsLessThanOne()
        => Assert.Throws<ArgumentOutOfRangeException>("value", () => Parallelism.MaxDegreeOfParallelism = 0);

    [Fact]
    public void DefaultDegreeIsPositive() => Assert.True(Parallelism.MaxDegreeOfParallelism >= 1);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 3)]
    public void ForVisitsEveryIndexExactlyOnce(int count, int degree)
    {
        var hits = new int[count];
        Parallelism.For(count, degree, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void ForWithLocalsReleasesEveryLocal()
    {
        int created = 0, released = 0;
        var hits = new int[500];
        Parallelism.For(hits.Length, 3,
            () => { Interlocked.Increment(ref created); return new object(); },
            (i, _) => Interlocked.Increment(ref hits[i]),
            _ => Interlocked.Increment(ref released));
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.Equal(created, released);
        Assert.InRange(created, 1, 3);
    }
}
