using System.CommandLine;

namespace AwqSharp.Cli.Commands;

/// <summary>Options shared by several commands, spelled the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Model(string description = "model directory (HuggingFace layout: config.json, *.safetensors, tokenizer files)") =>
        new("--model", "-m") { Description = description, Required = true };

    public static Option<bool> Json() => new("--json") { Description = "print one JSON object on the last line of stdout" };
}
