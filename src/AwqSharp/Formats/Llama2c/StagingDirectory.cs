namespace AwqSharp.Formats.Llama2c;

/// <summary>
/// Builds an output directory atomically: files go into a hidden folder beside the target, which is renamed to the
/// target only on <see cref="Commit"/>. Disposing without committing deletes the folder, so a failed or cancelled run
/// leaves nothing behind under the target's name.
/// </summary>
internal sealed class StagingDirectory : IDisposable
{
    private bool _committed;

    private StagingDirectory(string target, string path) { Target = target; Path = path; }

    /// <summary>The final directory.</summary>
    public string Target { get; }

    /// <summary>The folder being filled.</summary>
    public string Path { get; }

    /// <summary>Checks that <paramref name="target"/> can be created (absent, or an empty directory) without creating anything.</summary>
    /// <exception cref="AwqException">The target is a file or a non-empty directory.</exception>
    public static string CheckTarget(string target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        string full = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(target));
        if (System.IO.File.Exists(full)) throw new AwqException($"{full}: output path is an existing file");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new AwqException($"{full}: output directory already exists and is not empty; remove it or choose another");
        return full;
    }

    /// <summary>Creates the staging folder for <paramref name="target"/> (its parent is created when missing).</summary>
    public static StagingDirectory Create(string target)
    {
        string full = CheckTarget(target);
        string parent = System.IO.Path.GetDirectoryName(full) ?? throw new AwqException($"{full}: cannot write a model directory at a filesystem root");
        Directory.CreateDirectory(parent);
        string staging = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(staging);
        return new StagingDirectory(full, staging);
    }

    /// <summary>A path inside the staging folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Renames the staging folder to the target.</summary>
    public void Commit()
    {
        CheckTarget(Target);
        if (Directory.Exists(Target)) Directory.Delete(Target);
        Directory.Move(Path, Target);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
