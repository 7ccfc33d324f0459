using System.Globalization;
using System.Text;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Python's notion of characters and strings: whitespace as <c>str.isspace</c>, code-point indexing.</summary>
internal static class PyText
{
    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (.NET's IsWhiteSpace plus U+001C..U+001F).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    public static string Strip(string s) => StripChars(s, null, true, true);

    /// <summary>Python's strip/lstrip/rstrip: <paramref name="chars"/> null strips whitespace.</summary>
    public static string StripChars(string s, string? chars, bool left, bool right)
    {
        int start = 0, end = s.Length;
        if (chars is null)
        {
            if (left) while (start < end && IsSpace(s[start])) start++;
            if (right) while (end > start && IsSpace(s[end - 1])) end--;
        }
        else
        {
            var set = CodePoints(chars);
            if (left)
                while (start < end)
                {
                    int cp = PyChar.At(s, start, out int width);
                    if (Array.IndexOf(set, cp) < 0) break;
                    start += width;
                }
            if (right)
                while (end > start)
                {
                    int width = end - 2 >= start && char.IsLowSurrogate(s[end - 1]) && char.IsHighSurrogate(s[end - 2]) ? 2 : 1;
                    int cp = PyChar.At(s, end - width, out _);
                    if (Array.IndexOf(set, cp) < 0) break;
                    end -= width;
                }
        }
        return s.Substring(start, end - start);
    }

    /// <summary>True when the string has no surrogate pairs, so UTF-16 indices are Python indices.</summary>
    public static bool IsSimple(string s)
    {
        foreach (var c in s) if (char.IsSurrogate(c)) return false;
        return true;
    }

    /// <summary>The string's code points (lone surrogates are kept as they are, like Python's surrogateescape'd strs).</summary>
    public static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (int i = 0; i < s.Length;)
        {
            list.Add(PyChar.At(s, i, out int width));
            i += width;
        }
        return list.ToArray();
    }

    public static string FromCodePoints(IEnumerable<int> cps)
    {
        var sb = new StringBuilder();
        foreach (var cp in cps) AppendCodePoint(sb, cp);
        return sb.ToString();
    }

    public static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp >= 0x10000) sb.Append(char.ConvertFromUtf32(cp));
        else sb.Append((char)cp);
    }

    /// <summary>Number of Python characters (code points).</summary>
    public static int Length(string s) => IsSimple(s) ? s.Length : CodePoints(s).Length;

    /// <summary>Each Python character of the string as a string.</summary>
    public static IEnumerable<string> Chars(string s)
    {
        for (int i = 0; i < s.Length;)
        {
            PyChar.At(s, i, out int width);
            yield return s.Substring(i, width);
            i += width;
        }
    }

    /// <summary>Compares by code point, as Python does (ordinal UTF-16 order differs above U+FFFF).</summary>
    public static int Compare(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            int ca = PyChar.At(a, i, out int wa), cb = PyChar.At(b, j, out int wb);
            if (ca != cb) return ca < cb ? -1 : 1;
            i += wa; j += wb;
        }
        return (a.Length - i).CompareTo(b.Length - j) switch { < 0 => -1, > 0 => 1, _ => 0 };
    }

    /// <summary>Python's <c>str.isprintable</c> for one code point (used by <c>repr</c>).</summary>
    public static bool IsPrintable(int cp)
    {
        if (cp == ' ') return true;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}

internal static class PyChar
{
    public static int At(string s, int i, out int width)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }
        width = 1;
        return c;
    }
}
