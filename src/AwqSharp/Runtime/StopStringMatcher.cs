namespace AwqSharp.Runtime;

/// <summary>
/// Streams text while watching for stop strings: text that could still be the start of a stop string
/// is held back until it is not (or is, and generation ends before it).
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stops)
{
    private string _pending = "";

    /// <summary>Adds new text; returns what is safe to emit and whether a stop string was found (text before it is emitted).</summary>
    public (string Emit, bool Stopped) Push(string text)
    {
        if (stops.Count == 0) return (text, false);
        _pending += text;
        int earliest = -1;
        foreach (var s in stops)
        {
            int i = _pending.IndexOf(s, StringComparison.Ordinal);
            if (i >= 0 && (earliest < 0 || i < earliest)) earliest = i;
        }
        if (earliest >= 0)
        {
            var before = _pending[..earliest];
            _pending = "";
            return (before, true);
        }
        // Hold back the longest suffix that is a proper prefix of some stop string.
        int hold = 0;
        foreach (var s in stops)
            for (int len = Math.Min(s.Length - 1, _pending.Length); len > hold; len--)
                if (_pending.AsSpan(_pending.Length - len).SequenceEqual(s.AsSpan(0, len))) { hold = len; break; }
        var emit = _pending[..^hold];
        _pending = _pending[^hold..];
        return (emit, false);
    }

    /// <summary>Whatever is still held back (at the end of generation).</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = "";
        return rest;
    }
}
