using System.Text.Json;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

/// <summary>`awq quantize --duo-scaling` on stories260K: the flag parses, reaches the search and is reported.</summary>
[Collection("Console")]
public class DuoScalingCliTests
{
    private static (JsonElement Json, byte[] Weights) Quantize(TempDir dir, string name, params string[] extra)
    {
        var output = Path.Combine(dir.Path, name);
        string[] args =
        [
            "quantize", "--model", RepoData.Stories260K, "--out", output, "--bits", "3", "--group-size", "32", "--format", "awqsharp",
            "--calib", RepoData.Demo("tinystories/calib.txt"), "--calib-samples", "2", "--calib-seqlen", "64", "--json", .. extra,
        ];
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.LastLine);
        return (json.RootElement.Clone(), File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
    }

    [Fact]
    public void DuoScalingFlagChangesTheAwqSearchAndIsReported()
    {
        using var dir = new TempDir();
        var (paper, paperWeights) = Quantize(dir, "paper");
        var (duo, duoWeights) = Quantize(dir, "duo", "--duo-scaling");
        Assert.False(paper.GetProperty("duo_scaling").GetBoolean());
        Assert.True(duo.GetProperty("duo_scaling").GetBoolean());
        Assert.NotEqual(paperWeights, duoWeights);

        // RTN has no scale search: the flag is accepted and ignored, and the report says so (as --no-clip).
        var (rtn, rtnWeights) = Quantize(dir, "rtn", "--method", "rtn", "--duo-scaling");
        Assert.False(rtn.GetProperty("duo_scaling").GetBoolean());
        var (_, rtnPlainWeights) = Quantize(dir, "rtn-plain", "--method", "rtn");
        Assert.Equal(rtnPlainWeights, rtnWeights);

        var help = CliRunner.Run("quantize", "--help");
        Assert.Contains("--duo-scaling", help.Stdout);
    }
}
