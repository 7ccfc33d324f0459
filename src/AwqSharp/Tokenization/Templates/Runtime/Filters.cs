using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Jinja's built-in filters as transformers' environment has them (with its own <c>tojson</c>).</summary>
internal static partial class Filters
{
    private static readonly HashSet<string> Supported =
    [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "first", "float", "indent", "int", "items",
        "join", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
        "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ];

    /// <summary>Jinja filters deliberately left out (HTML-safe strings, printf formatting, randomness...).</summary>
    private static readonly HashSet<string> Unsupported =
    [
        "batch", "e", "escape", "filesizeformat", "forceescape", "format", "groupby", "pprint", "random", "safe", "slice",
        "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr",
    ];

    public static bool Exists(string name) => Supported.Contains(name);

    /// <summary>A filter Jinja has (whether or not this interpreter implements it).</summary>
    public static bool IsJinjaFilter(string name) => Supported.Contains(name) || Unsupported.Contains(name);

    /// <summary>The error for a filter that cannot be applied: unknown to Jinja, or a Jinja filter left out here.</summary>
    public static TemplateException Unavailable(string name, int? line = null) => Unsupported.Contains(name)
        ? new TemplateException(TemplateErrorKind.Syntax, $"the Jinja filter '{name}' is not supported by this chat-template interpreter", line)
        : new TemplateException(TemplateErrorKind.Syntax, $"no filter named '{name}'", line);

    private static void EnsureKnown(string name)
    {
        if (!Supported.Contains(name)) throw Unavailable(name);
    }

    private static TemplateException Error(string message) => new(TemplateErrorKind.Runtime, message);

    public static object? Apply(Interpreter interp, string name, object? value, Arguments args)
    {
        int max = interp.Limits.MaxOutputLength;
        switch (name)
        {
            case "abs":
                args.Bind(name, [], 0);
                return value switch
                {
                    long l => l == long.MinValue ? throw Error("integer overflow") : (object)Math.Abs(l),
                    double d => (object)Math.Abs(d),
                    bool b => (object)(b ? 1L : 0L),
                    Undefined u => throw u.Error(),
                    _ => throw Error($"bad operand type for abs(): '{PyFormat.TypeName(value)}'"),
                };
            case "attr":
            {
                var p = args.Bind(name, ["name"], 1);
                var attr = p[0] as string ?? throw Error("attribute name must be a string");
                return value switch
                {
                    Undefined u => throw u.Error(),
                    PyDict d => Methods.DictMethod(d, attr) ?? Undefined.Attribute(d, attr),
                    Namespace ns => interp.GetAttribute(ns, attr),
                    LoopContext loop => loop.GetAttribute(attr),
                    _ => Methods.Method(value, attr) ?? Undefined.Attribute(value, attr),
                };
            }
            case "capitalize":
                args.Bind(name, [], 0);
                return Methods.Capitalize(PyFormat.Str(value));
            case "center":
            {
                var p = args.Bind(name, ["width"], 0);
                return interp.Call(Methods.Method(PyFormat.Str(value), "center"), new Arguments([p[0] is Missing ? 80L : p[0]], []));
            }
            case "count" or "length":
                args.Bind(name, [], 0);
                return PyOps.Length(value);
            case "d" or "default":
            {
                var p = args.Bind(name, ["default_value", "boolean"], 0);
                var fallback = p[0] is Missing ? "" : p[0];
                bool boolean = p[1] is not Missing && PyOps.IsTrue(p[1]);
                return value is Undefined || (boolean && !PyOps.IsTrue(value)) ? fallback : value;
            }
            case "dictsort":
            {
                var p = args.Bind(name, ["case_sensitive", "by", "reverse"], 0);
                if (value is not PyDict d) throw Error($"dictsort expects a mapping, got {PyFormat.TypeName(value)}");
                bool caseSensitive = p[0] is not Missing && PyOps.IsTrue(p[0]);
                var by = p[1] is Missing ? "key" : p[1] as string;
                if (by is not ("key" or "value")) throw Error("You can only sort by either \"key\" or \"value\"");
                bool reverse = p[2] is not Missing && PyOps.IsTrue(p[2]);
                var pairs = d.Items.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList();
                return StableSort(pairs, item => IgnoreCase(((PyTuple)item!)[by == "key" ? 0 : 1], caseSensitive), reverse);
            }
            case "first":
                args.Bind(name, [], 0);
                if (value is PyGenerator g) return g.TryTakeOne(out var item) ? item : new Undefined("No first item, sequence was empty.");
                {
                    var items = PyOps.Iterate(value);
                    return items.Count > 0 ? items[0] : new Undefined("No first item, sequence was empty.");
                }
            case "last":
            {
                args.Bind(name, [], 0);
                if (value is PyGenerator or DictView) throw Error($"'{PyFormat.TypeName(value)}' object is not reversible");
                var items = PyOps.Iterate(value);
                return items.Count > 0 ? items[^1] : new Undefined("No last item, sequence was empty.");
            }
            case "float":
            {
                var p = args.Bind(name, ["default"], 0);
                return ToFloat(value) ?? (p[0] is Missing ? 0.0 : p[0]);
            }
            case "int":
            {
                var p = args.Bind(name, ["default", "base"], 0);
                long radix = p[1] is Missing ? 10 : PyOps.TryIndex(p[1], out long b) ? b : throw Error("base must be an integer");
                return ToInt(value, (int)radix) ?? (p[0] is Missing ? 0L : p[0]);
            }
            case "indent":
            {
                var p = args.Bind(name, ["width", "first", "blank"], 0);
                return Indent(value, p[0] is Missing ? 4L : p[0], p[1] is not Missing && PyOps.IsTrue(p[1]), p[2] is not Missing && PyOps.IsTrue(p[2]), max);
            }
            case "items":
                args.Bind(name, [], 0);
                return value switch
                {
                    Undefined => new PyGenerator("do_items", []),
                    PyDict d => new PyGenerator("do_items", d.Items.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList()),
                    _ => throw Error("Can only get item pairs from a mapping."),
                };
            case "join":
            {
                var p = args.Bind(name, ["d", "attribute"], 0);
                var separator = p[0] is Missing ? "" : PyFormat.Str(p[0]);
                var items = PyOps.Iterate(value);
                if (p[1] is not Missing and not null) items = items.Select(AttributeGetter(interp, p[1])).ToList();
                var sb = new StringBuilder();
                for (int i = 0; i < items.Count; i++)
                {
                    if (i > 0) sb.Append(separator);
                    sb.Append(PyFormat.Str(items[i]));
                    if (sb.Length > max) throw new TemplateException(TemplateErrorKind.Limit, "joined string too long");
                }
                return sb.ToString();
            }
            case "list":
                args.Bind(name, [], 0);
                return PyOps.Iterate(value);
            case "lower":
                args.Bind(name, [], 0);
                return PyFormat.Str(value).ToLowerInvariant();
            case "upper":
                args.Bind(name, [], 0);
                return PyFormat.Str(value).ToUpperInvariant();
            case "map":
                return Map(interp, value, args);
            case "max" or "min":
            {
                var p = args.Bind(name, ["case_sensitive", "attribute"], 0);
                var items = PyOps.Iterate(value);
                if (items.Count == 0) return new Undefined("No aggregated item, sequence was empty.");
                bool caseSensitive = p[0] is not Missing && PyOps.IsTrue(p[0]);
                var getter = p[1] is Missing or null ? (Func<object?, object?>)(x => x) : AttributeGetter(interp, p[1]);
                object? best = items[0], bestKey = IgnoreCase(getter(best), caseSensitive);
                foreach (var item in items.Skip(1))
                {
                    var key = IgnoreCase(getter(item), caseSensitive);
                    int c = PyOps.Compare(key, bestKey, name == "max" ? ">" : "<");
                    if (name == "max" ? c > 0 : c < 0) { best = item; bestKey = key; }
                }
                return best;
            }
            case "select" or "reject" or "selectattr" or "rejectattr":
                return SelectOrReject(interp, value, args, name.StartsWith("select", StringComparison.Ordinal), name.EndsWith("attr", StringComparison.Ordinal));
            case "replace":
            {
                var p = args.Bind(name, ["old", "new", "count"], 2);
                long count = p[2] is Missing or null ? -1 : PyOps.TryIndex(p[2], out long c) ? c : throw Error("replace count must be an integer");
                return Methods.Replace(PyFormat.Str(value), PyFormat.Str(p[0]), PyFormat.Str(p[1]), count, max);
            }
            case "reverse":
                args.Bind(name, [], 0);
                if (value is string s)
                    return PyText.IsSimple(s) ? new string(s.Reverse().ToArray()) : PyText.FromCodePoints(PyText.CodePoints(s).Reverse());
                if (value is Undefined) throw Error("argument must be iterable");
                {
                    var items = PyOps.Iterate(value);
                    items.Reverse();
                    return new PyGenerator("reversed", items);
                }
            case "round":
            {
                var p = args.Bind(name, ["precision", "method"], 0);
                long precision = p[0] is Missing ? 0 : PyOps.TryIndex(p[0], out long pr) ? pr : throw Error("precision must be an integer");
                var method = p[1] is Missing ? "common" : p[1] as string;
                return Round(value, precision, method);
            }
            case "sort":
            {
                var p = args.Bind(name, ["reverse", "case_sensitive", "attribute"], 0);
                bool reverse = p[0] is not Missing && PyOps.IsTrue(p[0]);
                bool caseSensitive = p[1] is not Missing && PyOps.IsTrue(p[1]);
                var items = PyOps.Iterate(value);
                if (p[2] is Missing or null) return StableSort(items, x => IgnoreCase(x, caseSensitive), reverse);
                var getters = (p[2] is string attrs ? attrs.Split(',').Cast<object?>() : [p[2]]).Select(a => AttributeGetter(interp, a)).ToList();
                return StableSort(items, x => getters.Count == 1
                    ? IgnoreCase(getters[0](x), caseSensitive)
                    : new List<object?>(getters.Select(g => IgnoreCase(g(x), caseSensitive))), reverse);
            }
            case "string":
                args.Bind(name, [], 0);
                return PyFormat.Str(value);
            case "sum":
            {
                var p = args.Bind(name, ["attribute", "start"], 0);
                var items = PyOps.Iterate(value);
                if (p[0] is not Missing and not null) items = items.Select(AttributeGetter(interp, p[0])).ToList();
                object? total = p[1] is Missing ? 0L : p[1];
                if (total is string) throw Error("sum() can't sum strings [use ''.join(seq) instead]");
                foreach (var item in items) total = PyOps.Add(total, item, max);
                return total;
            }
            case "title":
                args.Bind(name, [], 0);
                return JinjaTitle(PyFormat.Str(value));
            case "tojson":
                return ToJson(value, args, max);
            case "trim":
            {
                var p = args.Bind(name, ["chars"], 0);
                var chars = p[0] is Missing or null ? null : p[0] as string ?? throw Error("strip arg must be None or str");
                return PyText.StripChars(PyFormat.Str(value), chars, true, true);
            }
            case "unique":
            {
                var p = args.Bind(name, ["case_sensitive", "attribute"], 0);
                bool caseSensitive = p[0] is not Missing && PyOps.IsTrue(p[0]);
                var getter = p[1] is Missing or null ? (Func<object?, object?>)(x => x) : AttributeGetter(interp, p[1]);
                var seen = new List<object?>();
                var result = new List<object?>();
                foreach (var item in PyOps.Iterate(value))
                {
                    var key = IgnoreCase(getter(item), caseSensitive);
                    if (key is not null && !PyOps.IsHashable(key)) throw Error($"unhashable type: '{PyFormat.TypeName(key)}'");
                    if (seen.Any(k => PyOps.AreEqual(k, key))) continue;
                    seen.Add(key);
                    result.Add(item);
                }
                return new PyGenerator("sync_do_unique", result);
            }
            case "wordcount":
                args.Bind(name, [], 0);
                return (long)WordRegex().Count(PyFormat.Str(value));
            default:
                throw Unavailable(name);
        }
    }

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();

    /// <summary>Jinja's title filter: each piece after a run of [-\s({[&lt;] gets an upper first character and lower rest.</summary>
    private static string JinjaTitle(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool atStart = true;
        foreach (var c in s)
        {
            bool separator = c is '-' or '(' or '{' or '[' or '<' || PyText.IsSpace(c);
            if (separator) { sb.Append(c); atStart = true; continue; }
            sb.Append(atStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            atStart = false;
        }
        return sb.ToString();
    }

    private static object? IgnoreCase(object? value, bool caseSensitive) =>
        !caseSensitive && value is string s ? s.ToLowerInvariant() : value;

    private static List<object?> StableSort(List<object?> items, Func<object?, object?> key, bool reverse)
    {
        var keys = items.Select(key).ToArray();
        var order = Enumerable.Range(0, items.Count).ToArray();
        var comparer = Comparer<int>.Create((a, b) =>
        {
            int c = PyOps.Compare(keys[a], keys[b], "<");
            if (reverse) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        });
        try { Array.Sort(order, comparer); }
        catch (InvalidOperationException ex) when (ex.InnerException is TemplateException inner) { throw inner; }
        return order.Select(i => items[i]).ToList();
    }

    /// <summary>Jinja's make_attrgetter: dotted path, digit parts looked up as integers, each step with getitem semantics.</summary>
    private static Func<object?, object?> AttributeGetter(Interpreter interp, object? attribute, object? fallback = null)
    {
        object?[] parts = attribute switch
        {
            string s => s.Split('.').Select(p => p.Length > 0 && p.All(char.IsAsciiDigit) && long.TryParse(p, out long n) ? (object?)n : p).ToArray(),
            long l => [l],
            null => [],
            _ => throw Error("attribute must be a string or an integer"),
        };
        return item =>
        {
            foreach (var part in parts)
            {
                item = interp.GetItem(item, part);
                if (fallback is not null && item is Undefined) item = fallback;
            }
            return item;
        };
    }

    private static object? Map(Interpreter interp, object? value, Arguments args)
    {
        Func<object?, object?> func;
        if (args.Positional.Count == 0 && args.Keywords.Any(k => k.Key == "attribute"))
        {
            var p = args.Bind("map", ["attribute", "default"], 1);
            func = AttributeGetter(interp, p[0], p[1] is Missing ? null : p[1]);
        }
        else
        {
            if (args.Positional.Count == 0) throw Error("map requires a filter argument");
            var filter = args.Positional[0] as string ?? throw Error("map: the filter name must be a string");
            EnsureKnown(filter);
            var rest = new Arguments(args.Positional.Skip(1).ToList(), args.Keywords);
            func = item => Apply(interp, filter, item, rest);
        }
        var result = new List<object?>();
        if (PyOps.IsTrue(value))
            foreach (var item in PyOps.Iterate(value)) result.Add(func(item));
        return new PyGenerator("sync_do_map", result);
    }

    private static object? SelectOrReject(Interpreter interp, object? value, Arguments args, bool select, bool lookupAttribute)
    {
        int offset = 0;
        Func<object?, object?> transform = x => x;
        if (lookupAttribute)
        {
            if (args.Positional.Count == 0) throw Error("Missing parameter for attribute name");
            transform = AttributeGetter(interp, args.Positional[0]);
            offset = 1;
        }
        Func<object?, bool> test;
        if (args.Positional.Count > offset)
        {
            var testName = args.Positional[offset] as string ?? throw Error("the test name must be a string");
            if (!Tests.Exists(testName)) throw Tests.Unknown(testName);
            var rest = new Arguments(args.Positional.Skip(offset + 1).ToList(), args.Keywords);
            test = item => Tests.Apply(interp, testName, item, rest);
        }
        else test = PyOps.IsTrue;
        var result = new List<object?>();
        if (PyOps.IsTrue(value))
            foreach (var item in PyOps.Iterate(value))
                if (test(transform(item)) == select) result.Add(item);
        return new PyGenerator(select ? "select_or_reject" : "select_or_reject", result);
    }

    private static string Indent(object? value, object? width, bool first, bool blank, int max)
    {
        if (value is not string s) throw Error($"indent expects a string, got {PyFormat.TypeName(value)}");
        string indention = width switch
        {
            string w => w,
            _ when PyOps.TryIndex(width, out long n) => n > max ? throw new TemplateException(TemplateErrorKind.Limit, "indent width too large") : new string(' ', (int)Math.Max(0, n)),
            _ => throw Error("indent width must be an integer or a string"),
        };
        var lines = SplitLines(s + "\n");
        string result;
        if (blank) result = string.Join("\n" + indention, lines);
        else
        {
            var sb = new StringBuilder(lines[0]);
            if (lines.Count > 1)
            {
                sb.Append('\n');
                sb.AppendJoin('\n', lines.Skip(1).Select(line => line.Length > 0 ? indention + line : line));
            }
            result = sb.ToString();
        }
        if (first) result = indention + result;
        if (result.Length > max) throw new TemplateException(TemplateErrorKind.Limit, "indented string too long");
        return result;
    }

    private static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                int end = i;
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n') i++;
                lines.Add(s[start..end]);
                start = i + 1;
            }
        }
        if (start < s.Length) lines.Add(s[start..]);
        return lines;
    }

    private static object? ToFloat(object? value) => value switch
    {
        double d => d,
        long l => (double)l,
        bool b => b ? 1.0 : 0.0,
        string s => ParsePyFloat(s),
        _ => null,
    };

    /// <summary>Python's <c>float(str)</c>: surrounding whitespace, underscores between digits, inf/nan; null when invalid.</summary>
    internal static double? ParsePyFloat(string text)
    {
        var s = PyText.Strip(text).ToLowerInvariant();
        if (s.Length == 0) return null;
        var body = s.TrimStart('+', '-');
        if (s.Length - body.Length > 1) return null;
        bool negative = s.StartsWith('-');
        if (body is "inf" or "infinity") return negative ? double.NegativeInfinity : double.PositiveInfinity;
        if (body == "nan") return double.NaN;
        if (!PyFloatRegex().IsMatch(body)) return null;
        return double.Parse(s.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(\d(_?\d)*)?(\.(\d(_?\d)*)?)?(e[+-]?\d(_?\d)*)?$")]
    private static partial Regex PyFloatRegex();

    /// <summary>Jinja's int filter: int(str, base), int(number), then int(float(value)); null on failure.</summary>
    private static object? ToInt(object? value, int radix)
    {
        switch (value)
        {
            case long l: return l;
            case bool b: return b ? 1L : 0L;
            case double d: return double.IsFinite(d) && Math.Abs(d) < 9.2e18 ? (long)Math.Truncate(d) : null;
            case string s:
                if (ParsePyInt(s, radix) is long parsed) return parsed;
                var f = ParsePyFloat(s);
                return f is double fd && double.IsFinite(fd) && Math.Abs(fd) < 9.2e18 ? (long)Math.Truncate(fd) : null;
            default: return null;
        }
    }

    private static long? ParsePyInt(string text, int radix)
    {
        var s = PyText.Strip(text).ToLowerInvariant();
        bool negative = false;
        if (s.StartsWith('+') || s.StartsWith('-')) { negative = s[0] == '-'; s = s[1..]; }
        if (radix == 0 || radix == 16 || radix == 8 || radix == 2)
        {
            int prefixRadix = s.StartsWith("0x") ? 16 : s.StartsWith("0o") ? 8 : s.StartsWith("0b") ? 2 : 0;
            if (prefixRadix != 0 && (radix == 0 || radix == prefixRadix)) { radix = prefixRadix; s = s[2..].TrimStart('_'); }
            else if (radix == 0) radix = 10;
        }
        if (radix < 2 || radix > 36 || s.Length == 0 || s.StartsWith('_') || s.EndsWith('_') || s.Contains("__")) return null;
        long v = 0;
        foreach (var c in s)
        {
            if (c == '_') continue;
            int d = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'z' ? c - 'a' + 10 : 99;
            if (d >= radix) return null;
            try { v = checked(v * radix + d); } catch (OverflowException) { return null; }
        }
        return negative ? -v : v;
    }

    private static object? Round(object? value, long precision, string? method)
    {
        if (method is not ("common" or "ceil" or "floor")) throw Error("method must be common, ceil or floor");
        if (value is Undefined u) throw u.Error();
        if (method == "common")
        {
            switch (value)
            {
                case long l when precision >= 0: return l;
                case bool b when precision >= 0: return b ? 1L : 0L;
                case long or bool:
                {
                    double scale = Math.Pow(10, -precision);
                    long l = (long)PyOps.Plus(value)!;
                    return (long)(Math.Round(l / scale, MidpointRounding.ToEven) * scale);
                }
                case double d:
                    if (!double.IsFinite(d)) return d;
                    if (precision is >= 0 and <= 15) return Math.Round(d, (int)precision, MidpointRounding.ToEven);
                    if (precision > 15) return d;
                    {
                        double scale = Math.Pow(10, -precision);
                        return Math.Round(d / scale, MidpointRounding.ToEven) * scale;
                    }
                default: throw Error($"type {PyFormat.TypeName(value)} doesn't define __round__ method");
            }
        }
        if (!PyOps.IsNumber(value)) throw Error($"must be real number, not {PyFormat.TypeName(value)}");
        double x = value is double dv ? dv : Convert.ToDouble(PyOps.Plus(value), CultureInfo.InvariantCulture);
        double factor = Math.Pow(10, precision);
        double scaled = x * factor;
        return (method == "ceil" ? Math.Ceiling(scaled) : Math.Floor(scaled)) / factor;
    }

    private static string ToJson(object? value, Arguments args, int max)
    {
        var p = args.Bind("tojson", ["ensure_ascii", "indent", "separators", "sort_keys"], 0);
        bool ensureAscii = p[0] is not Missing && PyOps.IsTrue(p[0]);
        string? indent = p[1] switch
        {
            Missing or null => null,
            string s => s,
            _ when PyOps.TryIndex(p[1], out long n) => new string(' ', (int)Math.Clamp(n, 0, 1000)),
            _ => throw Error("tojson: indent must be an integer or a string"),
        };
        string? itemSep = null, keySep = null;
        if (p[2] is not Missing and not null)
        {
            var seps = p[2] is PyTuple or List<object?> ? PyOps.Iterate(p[2]) : throw Error("tojson: separators must be a pair of strings");
            if (seps.Count != 2 || seps[0] is not string a || seps[1] is not string b) throw Error("tojson: separators must be a pair of strings");
            (itemSep, keySep) = (a, b);
        }
        bool sortKeys = p[3] is not Missing && PyOps.IsTrue(p[3]);
        return new PyJson(ensureAscii, indent, itemSep, keySep, sortKeys, max).Dump(value);
    }
}
