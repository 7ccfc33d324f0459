using System.Globalization;
using System.Text;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>
/// Names every render sees: Jinja's <c>range</c>, <c>dict</c>, <c>namespace</c> and transformers'
/// <c>raise_exception</c> and <c>strftime_now</c>.
/// </summary>
internal static class Globals
{
    public static Dictionary<string, object?> Create(TimeProvider clock) => new(StringComparer.Ordinal)
    {
        ["range"] = new BuiltinFunction("range", Range),
        ["dict"] = new BuiltinFunction("dict", (_, args) => MakeDict("dict", args)),
        ["namespace"] = new BuiltinFunction("namespace", (_, args) =>
        {
            var ns = new Namespace();
            foreach (var (k, v) in MakeDict("namespace", args).Items) ns.Attributes.Set(k, v);
            return ns;
        }),
        ["raise_exception"] = new BuiltinFunction("raise_exception", (_, args) =>
        {
            var p = args.Bind("raise_exception", ["message"], 1);
            throw new TemplateException(TemplateErrorKind.Raised, PyFormat.Str(p[0]));
        }),
        ["strftime_now"] = new BuiltinFunction("strftime_now", (_, args) =>
        {
            var p = args.Bind("strftime_now", ["format"], 1);
            var format = p[0] as string ?? throw new TemplateException(TemplateErrorKind.Runtime, "strftime_now() argument must be str");
            return Strftime(clock.GetLocalNow().DateTime, format);
        }),
    };

    private static object? Range(Interpreter interp, Arguments args)
    {
        if (args.Keywords.Count > 0) throw new TemplateException(TemplateErrorKind.Runtime, "range() takes no keyword arguments");
        var values = args.Positional.Select(v => PyOps.TryIndex(v, out long i) ? i
            : throw new TemplateException(TemplateErrorKind.Runtime, $"'{PyFormat.TypeName(v)}' object cannot be interpreted as an integer")).ToArray();
        long start = 0, stop, step = 1;
        switch (values.Length)
        {
            case 1: stop = values[0]; break;
            case 2: start = values[0]; stop = values[1]; break;
            case 3: start = values[0]; stop = values[1]; step = values[2]; break;
            default: throw new TemplateException(TemplateErrorKind.Runtime, $"range expected 1 to 3 arguments, got {values.Length}");
        }
        if (step == 0) throw new TemplateException(TemplateErrorKind.Runtime, "range() arg 3 must not be zero");
        double count = step > 0 ? Math.Ceiling(((double)stop - start) / step) : Math.Ceiling(((double)start - stop) / -(double)step);
        if (count > interp.Limits.MaxRange)
            throw new TemplateException(TemplateErrorKind.Limit, $"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({interp.Limits.MaxRange}).");
        return new PyRange(start, stop, step);
    }

    private static PyDict MakeDict(string function, Arguments args)
    {
        var dict = new PyDict();
        if (args.Positional.Count > 1) throw new TemplateException(TemplateErrorKind.Runtime, $"{function} expected at most 1 argument, got {args.Positional.Count}");
        if (args.Positional.Count == 1)
        {
            switch (args.Positional[0])
            {
                case PyDict source:
                    foreach (var (k, v) in source.Items) dict.Set(k, v);
                    break;
                case var pairs:
                    foreach (var pair in PyOps.Iterate(pairs))
                    {
                        var kv = PyOps.Iterate(pair);
                        if (kv.Count != 2) throw new TemplateException(TemplateErrorKind.Runtime, $"{function}: each element must be a key/value pair");
                        dict.Set(kv[0], kv[1]);
                    }
                    break;
            }
        }
        foreach (var (k, v) in args.Keywords) dict.Set(k, v);
        return dict;
    }

    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] Months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    /// <summary>C's strftime in the C locale, as Python's <c>datetime.strftime</c> on Linux (glibc's <c>%-d</c> no-padding flag included).</summary>
    public static string Strftime(DateTime t, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length) { sb.Append(c); continue; }
            char d = format[++i];
            bool noPad = false;
            if (d == '-' && i + 1 < format.Length) { noPad = true; d = format[++i]; }
            string Num(int v, int width) => noPad ? v.ToString(CultureInfo.InvariantCulture) : v.ToString(new string('0', width), CultureInfo.InvariantCulture);
            int hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
            sb.Append(d switch
            {
                'a' => Days[(int)t.DayOfWeek][..3],
                'A' => Days[(int)t.DayOfWeek],
                'b' or 'h' => Months[t.Month - 1][..3],
                'B' => Months[t.Month - 1],
                'd' => Num(t.Day, 2),
                'e' => noPad ? t.Day.ToString(CultureInfo.InvariantCulture) : t.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'm' => Num(t.Month, 2),
                'y' => Num(t.Year % 100, 2),
                'Y' => t.Year.ToString(CultureInfo.InvariantCulture),
                'H' => Num(t.Hour, 2),
                'I' => Num(hour12, 2),
                'M' => Num(t.Minute, 2),
                'S' => Num(t.Second, 2),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => Num(t.DayOfYear, 3),
                'w' => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", CultureInfo.InvariantCulture),
                'F' => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                'T' => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                'D' => t.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
                'R' => t.ToString("HH:mm", CultureInfo.InvariantCulture),
                'n' => "\n",
                't' => "\t",
                '%' => "%",
                _ => throw new TemplateException(TemplateErrorKind.Syntax, $"strftime_now: the directive '%{d}' is not supported by this chat-template interpreter"),
            });
        }
        return sb.ToString();
    }
}
