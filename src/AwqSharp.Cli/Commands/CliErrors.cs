using AwqSharp;

namespace AwqSharp.Cli.Commands;

/// <summary>Runs a command body, turning expected failures (bad files, bad arguments) into a one-line error and exit code 1.</summary>
internal static class CliErrors
{
    public static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("awq: cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is AwqException or IOException or UnauthorizedAccessException or ArgumentException or FormatException or InvalidDataException or NotSupportedException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"awq: error: {ex.Message}");
            return 1;
        }
    }

    public static int Run(Func<int> body) => Run(() => Task.FromResult(body())).GetAwaiter().GetResult();
}
