using System.Globalization;
using System.Text;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>
/// Methods templates may call on values, as Python's <c>str</c>, <c>list</c> and <c>dict</c> provide them under
/// Jinja's immutable sandbox: mutating methods (append, pop, update...) resolve to an "unsafe" Undefined whose call fails.
/// </summary>
internal static class Methods
{
    private static readonly HashSet<string> MutatingList = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"];
    private static readonly HashSet<string> MutatingDict = ["pop", "popitem", "setdefault", "update", "clear"];

    private static Undefined Unsafe(string name, string type) => new($"access to attribute '{name}' of '{type}' object is unsafe.", unsafeAccess: true);

    private static TemplateException Error(string message) => new(TemplateErrorKind.Runtime, message);

    /// <summary>A bound method of a dict, or null when <paramref name="name"/> is not one (the key is then looked up).</summary>
    public static object? DictMethod(PyDict d, string name)
    {
        if (MutatingDict.Contains(name)) return Unsafe(name, "dict");
        return name switch
        {
            "get" => Fn("get", (_, a) =>
            {
                var p = a.Bind("get", ["key", "default"], 1);
                return d.TryGet(p[0], out var v) ? v : p[1] is Missing ? null : p[1];
            }),
            "items" => Fn("items", (_, a) => { a.Bind("items", [], 0); return new DictView("items", d.Items.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList()); }),
            "keys" => Fn("keys", (_, a) => { a.Bind("keys", [], 0); return new DictView("keys", d.Keys.Cast<object?>().ToList()); }),
            "values" => Fn("values", (_, a) => { a.Bind("values", [], 0); return new DictView("values", d.Values.ToList()); }),
            "copy" => Fn("copy", (_, a) =>
            {
                a.Bind("copy", [], 0);
                var copy = new PyDict();
                foreach (var (k, v) in d.Items) copy.Set(k, v);
                return copy;
            }),
            _ => null,
        };
    }

    /// <summary>A bound method of a str, list or tuple, an unsafe Undefined for mutators, or null.</summary>
    public static object? Method(object? target, string name) => target switch
    {
        string s => StringMethod(s, name),
        List<object?> l => MutatingList.Contains(name) ? Unsafe(name, "list") : SequenceMethod(l, name),
        PyTuple t => SequenceMethod(t, name),
        _ => null,
    };

    private static BuiltinFunction Fn(string name, Func<Interpreter, Arguments, object?> body) => new(name, body);

    private static object? SequenceMethod(IReadOnlyList<object?> seq, string name) => name switch
    {
        "index" => Fn("index", (_, a) =>
        {
            var p = a.Bind("index", ["value"], 1);
            for (int i = 0; i < seq.Count; i++) if (PyOps.AreEqual(seq[i], p[0])) return (long)i;
            throw Error($"{PyFormat.Repr(p[0])} is not in list");
        }),
        "count" => Fn("count", (_, a) =>
        {
            var p = a.Bind("count", ["value"], 1);
            return (long)seq.Count(x => PyOps.AreEqual(x, p[0]));
        }),
        _ => null,
    };

    private static string Str(object? v, string function, string arg) =>
        v as string ?? throw Error($"{function}() argument '{arg}' must be str, not {PyFormat.TypeName(v)}");

    private static string? OptStr(object? v, string function, string arg) => v is Missing or null ? null : Str(v, function, arg);

    private static long Int(object? v, string function, long fallback) => v switch
    {
        Missing or null => fallback,
        _ when PyOps.TryIndex(v, out long i) => i,
        _ => throw Error($"{function}() expected an integer, got {PyFormat.TypeName(v)}"),
    };

    private static object? StringMethod(string s, string name)
    {
        switch (name)
        {
            case "upper": return NoArgs(name, () => s.ToUpperInvariant());
            case "lower": return NoArgs(name, () => s.ToLowerInvariant());
            case "casefold": return NoArgs(name, () => s.ToLowerInvariant());
            case "title": return NoArgs(name, () => PyTitle(s));
            case "capitalize": return NoArgs(name, () => Capitalize(s));
            case "swapcase": return NoArgs(name, () => string.Concat(s.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))));
            case "strip" or "lstrip" or "rstrip":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["chars"], 0);
                    return PyText.StripChars(s, OptStr(p[0], name, "chars"), name != "rstrip", name != "lstrip");
                });
            case "startswith" or "endswith":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["prefix", "start", "end"], 1);
                    var sub = CodePointRange(s, p[1], p[2]);
                    var candidates = p[0] is PyTuple t ? t.Items : [p[0]];
                    foreach (var c in candidates)
                    {
                        var text = c as string ?? throw Error($"{name} first arg must be str or a tuple of str, not {PyFormat.TypeName(c)}");
                        if (sub is null) continue;
                        if (name == "startswith" ? sub.StartsWith(text, StringComparison.Ordinal) : sub.EndsWith(text, StringComparison.Ordinal)) return true;
                    }
                    return false;
                });
            case "split" or "rsplit":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["sep", "maxsplit"], 0);
                    var sep = OptStr(p[0], name, "sep");
                    long max = Int(p[1], name, -1);
                    var parts = sep is null ? SplitWhitespace(s, max, name == "rsplit") : SplitOn(s, sep, max, name == "rsplit");
                    return parts.Cast<object?>().ToList();
                });
            case "splitlines":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["keepends"], 0);
                    return SplitLines(s, p[0] is not Missing && PyOps.IsTrue(p[0])).Cast<object?>().ToList();
                });
            case "replace":
                return Fn(name, (interp, a) =>
                {
                    var p = a.Bind(name, ["old", "new", "count"], 2);
                    return Replace(s, Str(p[0], name, "old"), Str(p[1], name, "new"), Int(p[2], name, -1), interp.Limits.MaxOutputLength);
                });
            case "find" or "rfind" or "index" or "rindex" or "count":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["sub", "start", "end"], 1);
                    var sub = Str(p[0], name, "sub");
                    long offset = SliceIndex(p[1], PyText.Length(s), 0);
                    var range = CodePointRange(s, p[1], p[2]);
                    if (name == "count") return range is null ? 0L : (long)CountOccurrences(range, sub);
                    int found = range is null ? -1 : name is "find" or "index" ? range.IndexOf(sub, StringComparison.Ordinal) : range.LastIndexOf(sub, StringComparison.Ordinal);
                    if (found < 0)
                    {
                        if (name is "index" or "rindex") throw Error("substring not found");
                        return -1L;
                    }
                    return (long)(offset + PyText.Length(range![..found]));
                });
            case "join":
                return Fn(name, (interp, a) =>
                {
                    var p = a.Bind(name, ["iterable"], 1);
                    var sb = new StringBuilder();
                    bool first = true;
                    foreach (var item in PyOps.Iterate(p[0]))
                    {
                        if (!first) sb.Append(s);
                        first = false;
                        sb.Append(item as string ?? throw Error($"sequence item: expected str instance, {PyFormat.TypeName(item)} found"));
                        if (sb.Length > interp.Limits.MaxOutputLength) throw new TemplateException(TemplateErrorKind.Limit, "joined string too long");
                    }
                    return sb.ToString();
                });
            case "center" or "ljust" or "rjust":
                return Fn(name, (interp, a) =>
                {
                    var p = a.Bind(name, ["width", "fillchar"], 1);
                    long width = Int(p[0], name, 0);
                    var fill = p[1] is Missing ? " " : Str(p[1], name, "fillchar");
                    if (PyText.Length(fill) != 1) throw Error("The fill character must be exactly one character long");
                    return Pad(s, width, fill, name, interp.Limits.MaxOutputLength);
                });
            case "zfill":
                return Fn(name, (interp, a) =>
                {
                    var p = a.Bind(name, ["width"], 1);
                    long width = Int(p[0], name, 0);
                    int len = PyText.Length(s);
                    if (width <= len) return s;
                    if (width > interp.Limits.MaxOutputLength) throw new TemplateException(TemplateErrorKind.Limit, "zfill width too large");
                    int signLen = s.Length > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
                    return s[..signLen] + new string('0', (int)(width - len)) + s[signLen..];
                });
            case "partition" or "rpartition":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["sep"], 1);
                    var sep = Str(p[0], name, "sep");
                    if (sep.Length == 0) throw Error("empty separator");
                    int i = name == "partition" ? s.IndexOf(sep, StringComparison.Ordinal) : s.LastIndexOf(sep, StringComparison.Ordinal);
                    if (i < 0) return name == "partition" ? new PyTuple([s, "", ""]) : new PyTuple(["", "", s]);
                    return new PyTuple([s[..i], sep, s[(i + sep.Length)..]]);
                });
            case "removeprefix" or "removesuffix":
                return Fn(name, (_, a) =>
                {
                    var p = a.Bind(name, ["affix"], 1);
                    var affix = Str(p[0], name, "affix");
                    if (name == "removeprefix") return s.StartsWith(affix, StringComparison.Ordinal) ? s[affix.Length..] : s;
                    return affix.Length > 0 && s.EndsWith(affix, StringComparison.Ordinal) ? s[..^affix.Length] : s;
                });
            case "isdigit" or "isdecimal" or "isnumeric": return NoArgs(name, () => s.Length > 0 && s.All(char.IsDigit));
            case "isalpha": return NoArgs(name, () => s.Length > 0 && s.All(char.IsLetter));
            case "isalnum": return NoArgs(name, () => s.Length > 0 && s.All(char.IsLetterOrDigit));
            case "isspace": return NoArgs(name, () => s.Length > 0 && s.All(PyText.IsSpace));
            case "isupper": return NoArgs(name, () => s.Any(IsCased) && !s.Any(char.IsLower));
            case "islower": return NoArgs(name, () => s.Any(IsCased) && !s.Any(char.IsUpper));
            case "format":
                return Fn(name, (interp, a) => Format(interp, s, a));
            default:
                return null;
        }
    }

    /// <summary>The <c>.attr</c> and <c>[key]</c> steps of a format field, with Jinja's sandboxed getattr/getitem.</summary>
    private static object? FormatLookups(Interpreter interp, object? value, string rest)
    {
        int i = 0;
        while (i < rest.Length)
        {
            if (rest[i] == '.')
            {
                int end = rest.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = rest.Length;
                var attr = rest[(i + 1)..end];
                if (attr.Length == 0) throw Error("Empty attribute in format string");
                value = interp.GetAttribute(value, attr);
                i = end;
            }
            else if (rest[i] == '[')
            {
                int end = rest.IndexOf(']', i);
                if (end < 0) throw Error("Missing ']' in format string");
                var key = rest[(i + 1)..end];
                value = interp.GetItem(value, long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out long k) ? k : key);
                i = end + 1;
            }
            else throw Error("Only '.' or '[' may follow ']' in format field specifier");
        }
        return value;
    }

    private static BuiltinFunction NoArgs(string name, Func<object?> body) => Fn(name, (_, a) =>
    {
        a.Bind(name, [], 0);
        return body();
    });

    private static bool IsCased(char c) => char.IsUpper(c) || char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter;

    /// <summary>Python's <c>str.title()</c>: a cased character after an uncased one is uppercased, others lowercased.</summary>
    public static string PyTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool previousCased = false;
        foreach (var c in s)
        {
            if (IsCased(c))
            {
                sb.Append(previousCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
                previousCased = true;
            }
            else
            {
                sb.Append(c);
                previousCased = false;
            }
        }
        return sb.ToString();
    }

    /// <summary>Python's <c>str.capitalize()</c>.</summary>
    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>The substring between code-point positions start and end (Python slice rules); null when start is past the end.</summary>
    private static string? CodePointRange(string s, object? start, object? end)
    {
        if (start is Missing or null && end is Missing or null) return s;
        var cps = PyText.CodePoints(s);
        long lo = SliceIndex(start, cps.Length, 0), hi = Math.Min(SliceIndex(end, cps.Length, cps.Length), cps.Length);
        if (lo > cps.Length) return null;
        if (hi < lo) return "";
        return PyText.FromCodePoints(cps[(int)lo..(int)hi]);
    }

    /// <summary>A start/end argument: negative counts from the end (floored at 0); may exceed the length.</summary>
    private static long SliceIndex(object? value, long length, long fallback)
    {
        if (value is Missing or null) return fallback;
        long i = Int(value, "slice", fallback);
        return i < 0 ? Math.Max(0, i + length) : i;
    }

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return PyText.Length(s) + 1;
        int count = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static List<string> SplitWhitespace(string s, long max, bool fromRight)
    {
        var parts = new List<string>();
        if (!fromRight)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && PyText.IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (max >= 0 && parts.Count == max)
                {
                    parts.Add(s[i..]);
                    break;
                }
                int start = i;
                while (i < s.Length && !PyText.IsSpace(s[i])) i++;
                parts.Add(s[start..i]);
            }
            return parts;
        }
        int j = s.Length;
        while (true)
        {
            while (j > 0 && PyText.IsSpace(s[j - 1])) j--;
            if (j <= 0) break;
            if (max >= 0 && parts.Count == max)
            {
                parts.Add(s[..j]);
                break;
            }
            int end = j;
            while (j > 0 && !PyText.IsSpace(s[j - 1])) j--;
            parts.Add(s[j..end]);
        }
        parts.Reverse();
        return parts;
    }

    private static List<string> SplitOn(string s, string sep, long max, bool fromRight)
    {
        if (sep.Length == 0) throw Error("empty separator");
        var parts = new List<string>();
        if (!fromRight)
        {
            int start = 0;
            while (max < 0 || parts.Count < max)
            {
                int i = s.IndexOf(sep, start, StringComparison.Ordinal);
                if (i < 0) break;
                parts.Add(s[start..i]);
                start = i + sep.Length;
            }
            parts.Add(s[start..]);
            return parts;
        }
        int end = s.Length;
        while (max < 0 || parts.Count < max)
        {
            int i = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
            if (i < 0 || i + sep.Length > end) break;
            parts.Add(s[(i + sep.Length)..end]);
            end = i;
        }
        parts.Add(s[..end]);
        parts.Reverse();
        return parts;
    }

    private static List<string> SplitLines(string s, bool keepEnds)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                int lineEnd = i;
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
                lines.Add(keepEnds ? s[start..(i + 1)] : s[start..lineEnd]);
                start = i + 1;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    public static string Replace(string s, string old, string replacement, long count, int maxLength)
    {
        if (count == 0) return s;
        var sb = new StringBuilder();
        long done = 0;
        if (old.Length == 0)
        {
            foreach (var ch in PyText.Chars(s))
            {
                if (count < 0 || done < count) { sb.Append(replacement); done++; }
                sb.Append(ch);
                if (sb.Length > maxLength) throw new TemplateException(TemplateErrorKind.Limit, "replaced string too long");
            }
            if (count < 0 || done < count) sb.Append(replacement);
            return sb.ToString();
        }
        int start = 0;
        while (count < 0 || done < count)
        {
            int i = s.IndexOf(old, start, StringComparison.Ordinal);
            if (i < 0) break;
            sb.Append(s, start, i - start).Append(replacement);
            if (sb.Length > maxLength) throw new TemplateException(TemplateErrorKind.Limit, "replaced string too long");
            start = i + old.Length;
            done++;
        }
        sb.Append(s, start, s.Length - start);
        return sb.ToString();
    }

    private static string Pad(string s, long width, string fill, string how, int maxLength)
    {
        int len = PyText.Length(s);
        if (width <= len) return s;
        if (width > maxLength) throw new TemplateException(TemplateErrorKind.Limit, $"{how} width too large");
        long total = width - len;
        long left = how switch
        {
            "ljust" => 0,
            "rjust" => total,
            _ => total / 2 + (total & width & 1), // CPython's centering rule
        };
        var sb = new StringBuilder();
        for (long i = 0; i < left; i++) sb.Append(fill);
        sb.Append(s);
        for (long i = 0; i < total - left; i++) sb.Append(fill);
        return sb.ToString();
    }

    /// <summary><c>str.format</c> (through Jinja's sandboxed formatter): <c>{}</c>, <c>{0}</c>, <c>{name}</c>, <c>.attr</c>/<c>[key]</c> lookups and <c>!s</c>/<c>!r</c>; format specs are not supported.</summary>
    private static string Format(Interpreter interp, string s, Arguments a)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{')
            {
                if (i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
                int close = s.IndexOf('}', i);
                if (close < 0) throw Error("Single '{' encountered in format string");
                var field = s[(i + 1)..close];
                i = close;
                char conversion = 's';
                int bang = field.IndexOf('!');
                if (field.Contains(':')) throw new TemplateException(TemplateErrorKind.Syntax, "format specifications in str.format are not supported by this chat-template interpreter");
                if (bang >= 0)
                {
                    conversion = bang + 1 < field.Length ? field[bang + 1] : 's';
                    field = field[..bang];
                }
                int split = field.IndexOfAny(['.', '[']);
                var head = split < 0 ? field : field[..split];
                object? value;
                if (head.Length == 0) value = auto < a.Positional.Count ? a.Positional[auto++] : throw Error("Replacement index out of range for positional args tuple");
                else if (int.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out int idx))
                    value = idx < a.Positional.Count ? a.Positional[idx] : throw Error("Replacement index out of range for positional args tuple");
                else
                {
                    var kw = a.Keywords.FindIndex(k => k.Key == head);
                    if (kw < 0) throw Error($"KeyError: '{head}'");
                    value = a.Keywords[kw].Value;
                }
                if (split >= 0) value = FormatLookups(interp, value, field[split..]);
                sb.Append(conversion == 'r' ? PyFormat.Repr(value) : PyFormat.Str(value));
            }
            else if (c == '}')
            {
                if (i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
                throw Error("Single '}' encountered in format string");
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
