using System.Text.Json;
using AwqSharp.Formats;
using AwqSharp.Formats.AutoAwq;
using AwqSharp.Models;
using AwqSharp.Quantization;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Cli;

/// <summary>quantize / eval / generate through the CLI on a generated model that carries a real tokenizer (stories260K's).</summary>
[Collection("Console")]
public class PipelineCommandTests
{
    private static string GeneratedModel(TempDir dir, int hidden = 64, int intermediate = 128)
    {
        var model = SyntheticModel.Create(SyntheticModel.Config(hidden: hidden, intermediate: intermediate, layers: 2, heads: 4, kvHeads: 2, vocab: 512, maxPositions: 256), seed: 8);
        var path = dir.File("model");
        ModelWriter.Save(model, path);
        foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(RepoData.Stories260K, f), Path.Combine(path, f));
        return path;
    }

    private static JsonElement Json(CliRunner.Result r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
        return JsonDocument.Parse(r.LastLine).RootElement.Clone();
    }

    [Fact]
    public void EvalQuantizeEvalOnAGeneratedModel()
    {
        using var dir = new TempDir();
        var model = GeneratedModel(dir);
        var text = RepoData.Demo("tinystories/eval.txt");
        var fp = Json(CliRunner.Run("eval", "--model", model, "--data", text, "--seqlen", "64", "--max-windows", "4", "--json"));
        Assert.Equal(4, fp.GetProperty("windows").GetInt32());
        Assert.Equal(256, fp.GetProperty("tokens").GetInt32());
        double ppl = fp.GetProperty("perplexity").GetDouble();
        Assert.InRange(ppl, 2, 100000); // a random model: large, finite

        var q = Json(CliRunner.Run("quantize", "--model", model, "--out", dir.File("awq"), "--method", "awq", "--bits", "4", "--group-size", "32",
            "--calib", RepoData.Demo("tinystories/calib.txt"), "--calib-samples", "4", "--calib-seqlen", "64", "--json"));
        Assert.Equal("awq", q.GetProperty("method").GetString());
        Assert.Equal("awq", q.GetProperty("format").GetString()); // 4-bit, 32 | 64 and 128: AutoAWQ GEMM
        Assert.True(q.GetProperty("peak_rss_bytes").GetInt64() > 0);
        Assert.True(File.Exists(Path.Combine(dir.File("awq"), "tokenizer.json")));

        var qe = Json(CliRunner.Run("eval", "--model", dir.File("awq"), "--data", text, "--seqlen", "64", "--max-windows", "4", "--json"));
        double qppl = qe.GetProperty("perplexity").GetDouble();
        Assert.True(Math.Abs(Math.Log(qppl / ppl)) < 0.5, $"W4 perplexity {qppl} far from FP32 {ppl}");

        var info = Json(CliRunner.Run("info", "--model", dir.File("awq"), "--json"));
        Assert.Contains("\"quant_method\":\"awq\"", info.GetProperty("quantization").GetString());
    }

    [Fact]
    public void GenerateGreedyIsDeterministicAndReportsTokens()
    {
        using var dir = new TempDir();
        var model = GeneratedModel(dir);
        var a = Json(CliRunner.Run("generate", "--model", model, "--prompt", "Once upon a time", "-n", "12", "--temperature", "0", "--json"));
        var b = Json(CliRunner.Run("generate", "--model", model, "--prompt", "Once upon a time", "-n", "12", "--temperature", "0", "--json"));
        Assert.Equal(a.GetProperty("text").GetString(), b.GetProperty("text").GetString());
        Assert.Equal(12, a.GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", a.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public void GenerateFromTheImportedStoriesModelPrintsThePublishedText()
    {
        var r = CliRunner.Run("generate", "--model", RepoData.Stories260K, "-n", "50", "--temperature", "0", "--json");
        var text = Json(r).GetProperty("text").GetString()!;
        Assert.StartsWith(text.Trim()[..100], RepoData.PublishedStory);
    }

    [Theory]
    [InlineData("--bits", "5", "--bits must be 2, 3, 4 or 8")]
    [InlineData("--group-size", "48", "does not divide")]
    [InlineData("--group-size", "0", "GroupSize")]
    public void BadQuantizationOptionsAreOneLineErrors(string option, string value, string expected)
    {
        using var dir = new TempDir();
        var model = GeneratedModel(dir);
        var r = CliRunner.Run("quantize", "--model", model, "--out", dir.File("q"), "--method", "rtn", option, value);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.False(Directory.Exists(dir.File("q")));
    }

    [Fact]
    public void AwqWithoutCalibrationTextIsAClearError()
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("quantize", "--model", GeneratedModel(dir), "--out", dir.File("q"), "--group-size", "32");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--calib", r.Stderr);
    }

    [Fact]
    public void CalibrationSamplesAreCappedAtTheModelsContext()
    {
        using var dir = new TempDir();
        var q = CliRunner.Run("quantize", "--model", GeneratedModel(dir), "--out", dir.File("q"), "--group-size", "32",
            "--calib", RepoData.Demo("tinystories/calib.txt"), "--calib-samples", "2", "--calib-seqlen", "1000", "--json");
        Assert.Equal(256, Json(q).GetProperty("calib_seqlen").GetInt32()); // the generated model's max_position_embeddings
        Assert.Equal(2, Json(q).GetProperty("calib_samples").GetInt32());
        Assert.Contains("calibration: 2 samples x 256 tokens", q.Stderr);
    }

    [Theory]
    [InlineData("tinystories/eval.txt", "--seqlen", "1", "--seqlen must be at least 2")]
    [InlineData("tinystories/eval.txt", "--max-windows", "0", "--max-windows must be positive")]
    [InlineData("tinystories/missing.txt", "--seqlen", "64", "no such text file")]
    public void BadEvaluationOptionsAreOneLineErrors(string data, string option, string value, string expected)
    {
        using var dir = new TempDir();
        var r = CliRunner.Run("eval", "--model", GeneratedModel(dir), "--data", RepoData.Demo(data), option, value);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void InterruptedWriteLeavesNoOutputDirectory()
    {
        using var dir = new TempDir();
        var model = SyntheticModel.Create(SyntheticModel.Config(hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 64), seed: 1);
        var (q, _) = ModelQuantizer.Quantize(model, new QuantizeRequest(QuantizationMethod.Rtn, new QuantizationOptions(4, 32)));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var output = dir.File("out");
        Assert.ThrowsAny<OperationCanceledException>(() => QuantizedCheckpointWriter.Save(q, output, cancellationToken: cts.Token));
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetDirectories(dir.Path)); // no .partial temp folder left behind

        // A failure inside the writer while replacing an existing directory keeps the old one intact.
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "old");
        Assert.Throws<InvalidOperationException>(() => AtomicDirectory.Write(output, _ => throw new InvalidOperationException("boom")));
        Assert.Equal("old", File.ReadAllText(Path.Combine(output, "keep.txt")));
    }
}
