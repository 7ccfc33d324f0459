using System.Text.Json;
using AwqSharp.Models;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tests.Models;

namespace AwqSharp.Tests.Cli;

[Collection("Console")]
public class InfoCommandTests
{
    [Fact]
    public void ReportsShapeParametersAndBytesOfASavedModel()
    {
        using var dir = new TempDir();
        var model = SyntheticModel.Create(ForwardPassTests.Make("qwen2-bias"), seed: 1);
        ModelWriter.Save(model, dir.Path, AwqSharp.Formats.Safetensors.SafetensorsDType.BF16);
        var r = CliRunner.Run("info", "--model", dir.Path, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.LastLine);
        var root = doc.RootElement;
        Assert.Equal("Qwen2ForCausalLM", root.GetProperty("architecture").GetString());
        Assert.Equal(model.Config.ParameterCount, root.GetProperty("parameters").GetInt64());
        Assert.Equal(model.Config.ParameterCount * 2, root.GetProperty("bytes").GetInt64());
        Assert.Equal("bfloat16", root.GetProperty("dtype").GetString());
    }

    [Fact]
    public void MissingDirectoryIsAOneLineError()
    {
        var r = CliRunner.Run("info", "--model", "/nonexistent/model");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("config.json", r.Stderr);
    }
}
