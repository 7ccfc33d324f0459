using Spectre.Console;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// Progress of long work on stderr (stdout stays clean for results and --json): a Spectre.Console
/// bar when stderr is a terminal, otherwise a plain line per step.
/// </summary>
internal sealed class CliProgress
{
    private static readonly IAnsiConsole Stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static bool Interactive => !Console.IsErrorRedirected;

    /// <summary>Runs <paramref name="work"/> with a progress callback taking (done, total, description).</summary>
    public static T Run<T>(string title, Func<Action<double, double, string>, T> work)
    {
        if (!Interactive)
        {
            // Not a terminal: a line per tenth of the work (and the last step), not per step.
            int lastDecile = -1;
            return work((done, total, text) =>
            {
                int decile = total > 0 ? (int)(10 * done / total) : 0;
                if (decile == lastDecile) return;
                lastDecile = decile;
                Console.Error.WriteLine($"[{title}] {text}");
            });
        }
        T result = default!;
        Stderr.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title);
                result = work((done, total, text) =>
                {
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = done;
                    task.Description = Markup.Escape($"{title}: {text}");
                });
            });
        return result;
    }
}
