namespace AwqSharp.Tests.Infrastructure;

/// <summary>
/// Locates <c>../shared/</c> (beside the repository root). Set <c>AWQ_SHARED_DIR</c> to override.
/// Tests that need it use <see cref="SharedFactAttribute"/> / <see cref="SharedTheoryAttribute"/>, which
/// skip with a visible reason when the file is absent.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(Find);

    public static string? Directory => Root.Value;

    public static string? PathOf(string relative)
    {
        var root = Directory;
        if (root is null) return null;
        var p = System.IO.Path.Combine(root, relative);
        return File.Exists(p) || System.IO.Directory.Exists(p) ? p : null;
    }

    public static string Require(string relative) =>
        PathOf(relative) ?? throw new InvalidOperationException($"shared file {relative} is absent (test should have been skipped)");

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("AWQ_SHARED_DIR");
        if (!string.IsNullOrEmpty(env) && System.IO.Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (File.Exists(System.IO.Path.Combine(candidate, "README.md")) && System.IO.Directory.Exists(System.IO.Path.Combine(candidate, "data")))
                return candidate;
        }
        return null;
    }
}

/// <summary>A fact that needs files under ../shared; skipped (with the missing path named) when they are absent.</summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute(params string[] relativePaths)
    {
        foreach (var p in relativePaths)
            if (SharedData.PathOf(p) is null) { Skip = $"needs ../shared/{p}, which is absent"; break; }
    }
}

/// <summary>A theory that needs files under ../shared; skipped (with the missing path named) when they are absent.</summary>
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    public SharedTheoryAttribute(params string[] relativePaths)
    {
        foreach (var p in relativePaths)
            if (SharedData.PathOf(p) is null) { Skip = $"needs ../shared/{p}, which is absent"; break; }
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() { Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "awqsharp-test-" + Guid.NewGuid().ToString("N")); System.IO.Directory.CreateDirectory(Path); }
    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { System.IO.Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
}
