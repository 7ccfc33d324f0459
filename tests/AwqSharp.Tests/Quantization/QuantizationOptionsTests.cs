using AwqSharp.Quantization;

namespace AwqSharp.Tests.Quantization;

public class QuantizationOptionsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(0)]
    [InlineData(-4)]
    public void Bad_bits_are_rejected_naming_the_option(int bits)
    {
        var e = Assert.Throws<ArgumentException>(() => new QuantizationOptions(Bits: bits).Validate());
        Assert.Contains("Bits", e.Message);
        Assert.Contains(bits.ToString(), e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void Bad_group_sizes_are_rejected_naming_the_option(int groupSize)
    {
        var e = Assert.Throws<ArgumentException>(() => new QuantizationOptions(GroupSize: groupSize).Validate());
        Assert.Contains("GroupSize", e.Message);
    }

    [Fact]
    public void Quantize_validates_its_options()
    {
        var e = Assert.Throws<ArgumentException>(() => GroupQuantizer.Quantize(new float[8], 1, 8, new QuantizationOptions(Bits: 12)));
        Assert.Contains("Bits", e.Message);
    }

    [Theory]
    [InlineData(128, 4096, 128)]
    [InlineData(128, 64, 64)]       // larger than the row: per-channel
    [InlineData(-1, 172, 172)]      // explicit per-channel
    [InlineData(32, 172, 32)]       // ragged last group (172 = 5*32 + 12)
    public void Effective_group_size(int groupSize, int inFeatures, int expected)
    {
        var o = new QuantizationOptions(GroupSize: groupSize);
        Assert.Equal(expected, o.EffectiveGroupSize(inFeatures));
        Assert.Equal((inFeatures + expected - 1) / expected, o.GroupCount(inFeatures));
    }

    [Fact]
    public void Defaults_are_awq_defaults()
    {
        var o = QuantizationOptions.Default;
        Assert.Equal((4, 128, true, QuantizationPrecision.Float32), (o.Bits, o.GroupSize, o.ZeroPoint, o.Precision));
        Assert.Equal(15, o.MaxCode);
    }
}
