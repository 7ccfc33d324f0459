using System.CommandLine;
using AwqSharp.Formats.Safetensors;
using AwqSharp.Models;

namespace AwqSharp.Cli.Commands;

/// <summary>`awq info --model DIR [--json]`: architecture, shape, parameter count, dtypes and bytes of a checkpoint.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var json = CommonOptions.Json();
        var command = new Command("info", "show a model's architecture, parameter count, dtype and size") { model, json };
        command.SetAction(pr => CliErrors.Run(() => Run(pr.GetValue(model)!, pr.GetValue(json))));
        return command;
    }

    private static int Run(string dir, bool json)
    {
        var config = ModelConfig.Load(dir);
        using var ckpt = SafetensorsCheckpoint.Open(dir);
        var byDtype = ckpt.Files.SelectMany(f => f.Tensors).GroupBy(t => t.DType)
            .ToDictionary(g => g.Key.ToString(), g => new { tensors = g.Count(), elements = g.Sum(t => t.ElementCount), bytes = g.Sum(t => t.ByteLength) });
        var quant = config.QuantizationConfig;
        var info = new
        {
            Model = Path.GetFullPath(dir),
            config.Architecture,
            config.ModelType,
            config.HiddenSize,
            config.IntermediateSize,
            Layers = config.NumLayers,
            Heads = config.NumHeads,
            KvHeads = config.NumKvHeads,
            config.HeadDim,
            config.VocabSize,
            config.MaxPositionEmbeddings,
            config.TieWordEmbeddings,
            Parameters = config.ParameterCount,
            Dtype = config.TorchDtype ?? string.Join("+", byDtype.Keys),
            Quantization = quant?.ToJsonString(),
            Bytes = ckpt.TotalBytes,
            Files = ckpt.Files.Count,
            Dtypes = byDtype,
        };
        if (json) { JsonOutput.Write(info); return 0; }
        Console.WriteLine($"model:        {info.Model}");
        Console.WriteLine($"architecture: {config}");
        Console.WriteLine($"parameters:   {config.ParameterCount:N0} ({config.ParameterCount / 1e9:F2} B)");
        Console.WriteLine($"dtype:        {info.Dtype}");
        Console.WriteLine($"rope:         theta {config.RopeTheta}{(config.RopeScaling is { } s ? $", scaling {s.Type} x{s.Factor}" : "")}, max positions {config.MaxPositionEmbeddings}");
        if (quant is not null) Console.WriteLine($"quantization: {info.Quantization}");
        Console.WriteLine($"weights:      {ckpt.TotalBytes:N0} bytes in {ckpt.Files.Count} file(s)");
        foreach (var (dtype, d) in byDtype) Console.WriteLine($"  {dtype,-5} {d.tensors,5} tensors {d.elements,15:N0} elements {d.bytes,15:N0} bytes");
        return 0;
    }
}
