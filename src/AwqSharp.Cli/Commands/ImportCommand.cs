using System.CommandLine;
using System.Diagnostics;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Formats.Safetensors;

namespace AwqSharp.Cli.Commands;

/// <summary><c>awq import llama2c</c>: converts models from other formats into HuggingFace model directories.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var import = new Command("import", "Convert a model from another format into a HuggingFace model directory");
        import.Subcommands.Add(CreateLlama2c());
        return import;
    }

    private static Command CreateLlama2c()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "llama2.c float32 checkpoint (.bin, legacy or version 1)", Required = true };
        var tokenizer = new Option<string>("--tokenizer") { Description = "llama2.c tokenizer file (tokenizer.bin, tok512.bin...)", Required = true };
        var output = new Option<string>("--out") { Description = "model directory to create (must not exist, or be empty)", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "weight dtype: f32, f16 or bf16", DefaultValueFactory = _ => "f32" };
        dtype.AcceptOnlyFromAmong("f32", "f16", "bf16");
        var json = CommonOptions.Json();

        var command = new Command("llama2c", "Import a llama2.c checkpoint and tokenizer (karpathy/llama2.c) as a HuggingFace Llama model");
        command.Options.Add(checkpoint);
        command.Options.Add(tokenizer);
        command.Options.Add(output);
        command.Options.Add(dtype);
        command.Options.Add(json);
        command.SetAction((ParseResult pr, CancellationToken ct) => CliErrors.Run(() =>
        {
            var type = pr.GetValue(dtype) switch
            {
                "f16" => SafetensorsDType.F16,
                "bf16" => SafetensorsDType.BF16,
                _ => SafetensorsDType.F32,
            };
            var clock = Stopwatch.StartNew();
            var result = Llama2cImporter.Import(pr.GetValue(checkpoint)!, pr.GetValue(tokenizer)!, pr.GetValue(output)!, type, cancellationToken: ct);
            long ms = clock.ElapsedMilliseconds;
            var c = result.Config;
            if (pr.GetValue(json))
            {
                JsonOutput.Write(new
                {
                    Model = result.OutputDirectory,
                    Format = c.Format == Llama2cFormat.Legacy ? "legacy" : "version1",
                    HiddenSize = c.Dim,
                    IntermediateSize = c.HiddenDim,
                    Layers = c.NumLayers,
                    Heads = c.NumHeads,
                    KvHeads = c.NumKvHeads,
                    c.VocabSize,
                    MaxPositionEmbeddings = c.SeqLen,
                    TieWordEmbeddings = c.SharedClassifier,
                    Parameters = c.ParameterCount,
                    Dtype = HuggingFaceLlamaConfig.TorchDType(result.DType),
                    Tensors = result.TensorCount,
                    Merges = result.MergeCount,
                    Milliseconds = ms,
                });
                return Task.FromResult(0);
            }
            Console.WriteLine($"imported {c.Describe()}");
            Console.WriteLine($"  {c.ParameterCount:N0} parameters as {HuggingFaceLlamaConfig.TorchDType(result.DType)} in {result.TensorCount} tensors, " +
                              $"{c.VocabSize} tokens, {result.MergeCount} merges, {ms} ms");
            Console.WriteLine($"  -> {result.OutputDirectory}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
