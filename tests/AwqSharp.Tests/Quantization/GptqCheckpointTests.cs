using AwqSharp.Formats.AutoAwq;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Quantization.Gptq;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

/// <summary>GPTQ models go through the same checkpoint formats as AWQ's and load back computing the same function.</summary>
public class GptqCheckpointTests(OutlierModelFixture fixture) : IClassFixture<OutlierModelFixture>
{
    [Theory]
    [InlineData(4, 128, true, false, true)]    // AutoAWQ GEMM
    [InlineData(3, -1, false, true, false)]    // symmetric per-channel, act-order: our layout
    [InlineData(4, 96, true, true, false)]     // ragged groups (256 % 96 != 0), act-order => static groups: our layout
    public void SavedGptqModelLoadsBackAndRunsTheSame(int bits, int group, bool zeroPoint, bool actOrder, bool expectGemm)
    {
        using var dir = new TempDir();
        var request = new QuantizeRequest(QuantizationMethod.Gptq, new QuantizationOptions(bits, group, zeroPoint), fixture.Calibration[..2],
            Gptq: new GptqOptions(ActOrder: actOrder));
        var (q, _) = ModelQuantizer.Quantize(fixture.Model, request);
        var written = QuantizedCheckpointWriter.Save(q, dir.Path, format: QuantizedFormat.Auto);
        Assert.Equal(expectGemm, written.IsAutoAwq);
        var loaded = LlamaModel.Load(dir.Path);
        int[] tokens = [1, 5, 17, 101, 230, 3, 9];
        var expected = q.ToLlamaModel().ForwardAll(tokens);
        var actual = loaded.ForwardAll(tokens);
        double maxRef = expected.Max(v => Math.Abs((double)v)), maxErr = 0;
        for (int i = 0; i < expected.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(actual[i] - expected[i]));
        // AutoAWQ stores float16 scales; our layout is exact.
        Assert.True(maxErr <= (expectGemm ? 2e-2 : 1e-6) * maxRef, $"max abs logit error {maxErr:E3} vs scale {maxRef:E3}");
    }
}
