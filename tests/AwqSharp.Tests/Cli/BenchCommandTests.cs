using System.Text.Json;
using AwqSharp.Models;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Cli;

[Collection("Console")]
public class BenchCommandTests
{
    [Fact]
    public void RoundsInterleaveEveryDtypeAndReportMediansAndRatios()
    {
        var r = CliRunner.Run("bench", "--synthetic", "tiny", "--dtype", "int4,fp16,fp32", "--prompt-tokens", "4", "--gen-tokens", "2",
            "--rounds", "3", "--bandwidth-bytes", (4 << 20).ToString(), "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.LastLine);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("rounds").GetInt32());
        var runs = root.GetProperty("runs").EnumerateArray().ToArray();
        Assert.Equal(["int4", "fp16", "fp32"], runs.Select(x => x.GetProperty("dtype").GetString()));
        foreach (var run in runs)
        {
            var byRound = run.GetProperty("decode_tokens_per_second_by_round").EnumerateArray().Select(x => x.GetDouble()).Order().ToArray();
            Assert.Equal(3, byRound.Length);
            Assert.Equal(byRound[1], run.GetProperty("decode_tokens_per_second").GetDouble()); // the median
        }
        long Bytes(int i) => runs[i].GetProperty("weight_bytes_per_token").GetInt64();
        Assert.True(Bytes(0) < Bytes(1) && Bytes(1) < Bytes(2), $"bytes per token int4 {Bytes(0)}, fp16 {Bytes(1)}, fp32 {Bytes(2)}");

        // The fp16 model reads 2 bytes a weight where fp32 reads 4 (tiles of 4 rows may pad a little).
        var config = SyntheticModel.Shape("tiny");
        long linears = config.NumLayers * ((long)config.HiddenSize * (config.QDim + 2 * config.KvDim) + (long)config.QDim * config.HiddenSize
            + 3L * config.HiddenSize * config.IntermediateSize) + (long)config.VocabSize * config.HiddenSize;
        Assert.InRange(Bytes(2) - Bytes(1), 2 * linears - 64L * config.HiddenSize * (7 * config.NumLayers + 1), 2 * linears);

        Assert.Equal("fp32", root.GetProperty("baseline").GetString());
        Assert.Equal(["int4", "fp16"], root.GetProperty("ratios").EnumerateArray().Select(x => x.GetProperty("dtype").GetString()));
    }

    [Theory]
    [InlineData("--rounds", "0", "--rounds")]
    [InlineData("--dtype", "int5", "int5")]
    [InlineData("--int4-lm-head", "int8", "--int4-lm-head")]
    public void BadOptionsAreOneLineErrors(string option, string value, string named)
    {
        var r = CliRunner.Run("bench", "--synthetic", "tiny", "--prompt-tokens", "2", "--gen-tokens", "1", "--bandwidth-bytes", (2 << 20).ToString(), option, value);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(named, r.Stderr);
    }
}
