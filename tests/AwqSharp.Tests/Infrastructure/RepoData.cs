using AwqSharp.Formats.Llama2c;

namespace AwqSharp.Tests.Infrastructure;

/// <summary>Files the repository itself carries (demo/), and the stories260K model imported from them once per test run.</summary>
public static class RepoData
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AwqSharp.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root (AwqSharp.sln) not found above " + AppContext.BaseDirectory);
    });

    private static readonly Lazy<string> Stories = new(() =>
    {
        var output = Path.Combine(Path.GetTempPath(), $"awqsharp-stories260K-{Environment.ProcessId}");
        if (Directory.Exists(output)) Directory.Delete(output, true);
        Llama2cImporter.Import(Demo("stories260K/stories260K.bin"), Demo("stories260K/tok512.bin"), output);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(output, true); } catch (IOException) { } };
        return output;
    });

    public static string Root => RootPath.Value;
    public static string Demo(string relative) => Path.Combine(Root, "demo", relative);

    /// <summary>stories260K imported as a HuggingFace directory (float32); shared by tests, do not modify.</summary>
    public static string Stories260K => Stories.Value;

    /// <summary>The published greedy output of stories260K from BOS.</summary>
    public const string PublishedStory =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.";
}
