using AwqSharp.Kernels.Int4;

namespace AwqSharp.Tests.Kernels;

public class Int4MemoryBandwidthTests
{
    [Fact]
    public void MeasuresAPositiveFiniteBandwidth()
    {
        double gbps = MemoryBandwidth.MeasureReadGBps(bufferBytes: 16 << 20, threads: 2, repetitions: 2);
        Assert.True(double.IsFinite(gbps) && gbps > 0.1, $"measured {gbps} GB/s");
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Equal("bufferBytes", Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBandwidth.MeasureReadGBps(1000)).ParamName);
        Assert.Equal("threads", Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBandwidth.MeasureReadGBps(1 << 20, threads: -1)).ParamName);
        Assert.Equal("repetitions", Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBandwidth.MeasureReadGBps(1 << 20, repetitions: 0)).ParamName);
    }

    [Fact]
    public void HonoursCancellation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => MemoryBandwidth.MeasureReadGBps(1 << 20, cancellationToken: cts.Token));
    }
}
