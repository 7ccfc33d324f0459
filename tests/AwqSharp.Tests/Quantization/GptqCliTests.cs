using System.Text.Json;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Quantization;

/// <summary>`awq quantize --method gptq|awq+gptq` end to end on stories260K, and its errors.</summary>
[Collection("Console")]
public class GptqCliTests
{
    private const string Checkpoint = "models/stories260K/stories260K.bin", Tokenizer = "models/stories260K/tok512.bin";
    private const string Calib = "data/tinystories/calib.txt", Eval = "data/tinystories/eval.txt";

    private static string Import(TempDir dir)
    {
        var model = Path.Combine(dir.Path, "fp32");
        Llama2cImporter.Import(SharedData.Require(Checkpoint), SharedData.Require(Tokenizer), model);
        return model;
    }

    [SharedTheory(Checkpoint, Tokenizer, Calib, Eval)]
    [InlineData("gptq")]
    [InlineData("awq+gptq")]
    public void QuantizesWithRaggedGroupsAndTheModelEvaluates(string method)
    {
        using var dir = new TempDir();
        var model = Import(dir);
        var output = Path.Combine(dir.Path, "q");
        var r = CliRunner.Run("quantize", "--model", model, "--out", output, "--method", method, "--bits", "3", "--group-size", "32",
            "--format", "awqsharp", "--calib", SharedData.Require(Calib), "--calib-samples", "2", "--calib-seqlen", "64", "--act-order", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout);
        var root = json.RootElement;
        Assert.Equal(method, root.GetProperty("method").GetString());
        Assert.True(root.GetProperty("act_order").GetBoolean());
        Assert.True(root.GetProperty("static_groups").GetBoolean()); // act-order with groups
        Assert.Equal(0.01, root.GetProperty("damp").GetDouble());
        Assert.True(root.GetProperty("gptq_loss").GetDouble() > 0);
        Assert.Equal(method == "awq+gptq", root.GetProperty("clip").GetBoolean());

        var e = CliRunner.Run("eval", "--model", output, "--data", SharedData.Require(Eval), "--seqlen", "64", "--max-windows", "2", "--json");
        Assert.True(e.ExitCode == 0, e.Stderr);
        using var ej = JsonDocument.Parse(e.Stdout);
        double ppl = ej.RootElement.GetProperty("perplexity").GetDouble();
        Assert.True(ppl > 1 && ppl < 100, $"perplexity {ppl}");
    }

    [SharedFact(Checkpoint, Tokenizer, Calib)]
    public void BadGptqArgumentsFailWithAClearMessage()
    {
        using var dir = new TempDir();
        var model = Import(dir);
        var output = Path.Combine(dir.Path, "q");
        var r = CliRunner.Run("quantize", "--model", model, "--out", output, "--format", "awqsharp", "--method", "gptq");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--method gptq needs --calib", r.Stderr);
        r = CliRunner.Run("quantize", "--model", model, "--out", output, "--format", "awqsharp", "--method", "gptq", "--calib", SharedData.Require(Calib), "--damp", "1.5");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--damp", r.Stderr);
        r = CliRunner.Run("quantize", "--model", model, "--out", output, "--format", "awqsharp", "--method", "gptq", "--calib", SharedData.Require(Calib), "--block-size", "0");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--block-size", r.Stderr);
        Assert.False(Directory.Exists(output));
    }
}
