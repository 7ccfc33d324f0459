using System.CommandLine;

namespace AwqSharp.Cli.Commands;

/// <summary>Every top-level command, in the order `awq --help` lists them (pipeline order).</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return ImportCommand.Create();
        yield return InfoCommand.Create();
        yield return TokenizeCommand.Create();
        yield return QuantizeCommand.Create();
        yield return EvalCommand.Create();
        yield return GenerateCommand.Create();
        yield return ChatCommand.Create();
        yield return BenchCommand.Create();
        yield return TemplateCommand.Create();
        yield return ServeCommand.Create();
    }
}
