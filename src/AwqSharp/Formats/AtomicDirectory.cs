namespace AwqSharp.Formats;

/// <summary>
/// Writes an output directory all or nothing: everything goes to a hidden temp folder beside the
/// target, which is renamed into place only when complete. A failure or cancellation removes the
/// temp folder and leaves any existing target untouched.
/// </summary>
public static class AtomicDirectory
{
    public static void Write(string directory, Action<string> writeInto)
    {
        var target = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar)) ?? ".";
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(target.TrimEnd(Path.DirectorySeparatorChar))}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            writeInto(temp);
            if (Directory.Exists(target))
            {
                var old = temp + ".old";
                Directory.Move(target, old);
                Directory.Move(temp, target);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, target);
            }
        }
        catch
        {
            try { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); } catch (IOException) { }
            throw;
        }
    }
}
