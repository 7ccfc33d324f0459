using System.Globalization;
using System.Text;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Python's <c>str()</c> and <c>repr()</c> of runtime values, which is what Jinja prints.</summary>
internal static class PyFormat
{
    private const int MaxNesting = 200;

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        PyTuple => "tuple",
        PyDict => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        LoopContext => "LoopContext",
        DictView v => "dict_" + v.Kind,
        PyGenerator => "generator",
        PyRange => "range",
        Macro => "Macro",
        ICallable => "function",
        _ => value.GetType().Name,
    };

    /// <summary>Jinja's <c>object_type_repr</c>, used in undefined-attribute messages ("dict object").</summary>
    public static string TypeDescription(object value) => value switch
    {
        Namespace => "jinja2.utils.Namespace object",
        LoopContext => "jinja2.runtime.LoopContext object",
        Macro => "jinja2.runtime.Macro object",
        _ => TypeName(value) + " object",
    };

    /// <summary>Python's <c>str(value)</c>; Undefined prints as the empty string.</summary>
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, 0);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > MaxNesting) throw new TemplateException(TemplateErrorKind.Limit, $"value nested deeper than {MaxNesting} levels");
        switch (value)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatRepr(d)); break;
            case string s: AppendStringRepr(sb, s); break;
            case Undefined: sb.Append("Undefined"); break;
            case List<object?> list:
                sb.Append('[');
                AppendItems(sb, list, depth);
                sb.Append(']');
                break;
            case PyTuple t:
                sb.Append('(');
                AppendItems(sb, t, depth);
                if (t.Count == 1) sb.Append(',');
                sb.Append(')');
                break;
            case PyDict dict:
                AppendDict(sb, dict, depth);
                break;
            case DictView view:
                sb.Append("dict_").Append(view.Kind).Append("([");
                AppendItems(sb, view.Items, depth);
                sb.Append("])");
                break;
            case PyRange r:
                sb.Append("range(").Append(r.Start).Append(", ").Append(r.Stop);
                if (r.Step != 1) sb.Append(", ").Append(r.Step);
                sb.Append(')');
                break;
            case LoopContext loop:
                sb.Append("<LoopContext ").Append(loop.Index0 + 1).Append('/').Append(loop.Items.Count).Append('>');
                break;
            case Namespace ns:
                sb.Append("<Namespace ");
                AppendDict(sb, ns.Attributes, depth);
                sb.Append('>');
                break;
            default:
                // functions, macros and loop objects print their memory address in Python: never reproducible
                throw new TemplateException(TemplateErrorKind.Runtime, $"printing a {TypeName(value)} object is not supported (Python prints its memory address)");
        }
    }

    private static void AppendItems(StringBuilder sb, IEnumerable<object?> items, int depth)
    {
        bool first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(", ");
            first = false;
            AppendRepr(sb, item, depth + 1);
        }
    }

    private static void AppendDict(StringBuilder sb, PyDict dict, int depth)
    {
        sb.Append('{');
        bool first = true;
        foreach (var (k, v) in dict.Items)
        {
            if (!first) sb.Append(", ");
            first = false;
            AppendRepr(sb, k, depth + 1);
            sb.Append(": ");
            AppendRepr(sb, v, depth + 1);
        }
        sb.Append('}');
    }

    /// <summary>Python's string repr: single quotes unless the text has ' and no ", escapes for non-printables.</summary>
    public static void AppendStringRepr(StringBuilder sb, string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (int i = 0; i < s.Length;)
        {
            int cp = PyChar.At(s, i, out int width);
            i += width;
            switch (cp)
            {
                case '\\': sb.Append("\\\\"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
            }
            if (cp == quote) { sb.Append('\\').Append(quote); continue; }
            if (cp < 0x7f && cp >= 0x20) { sb.Append((char)cp); continue; }
            if (PyText.IsPrintable(cp)) { PyText.AppendCodePoint(sb, cp); continue; }
            if (cp < 0x100) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
            else if (cp < 0x10000) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
        }
        sb.Append(quote);
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, fixed notation for 1e-4 &lt;= |x| &lt; 1e16, else exponent.</summary>
    public static string FloatRepr(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsPositiveInfinity(d)) return "inf";
        if (double.IsNegativeInfinity(d)) return "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        var (negative, digits, pointPos) = ShortestDigits(d);
        int exp = pointPos - 1;
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (exp >= -4 && exp < 16)
        {
            if (pointPos <= 0) sb.Append("0.").Append('0', -pointPos).Append(digits);
            else if (pointPos >= digits.Length) sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
            else sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+').Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Shortest round-trip significant digits of |d| and the position of the decimal point (value = 0.DIGITS × 10^pointPos).</summary>
    public static (bool Negative, string Digits, int PointPos) ShortestDigits(double d)
    {
        var r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        int exponent = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r, fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        var all = intPart + fracPart;
        int pointPos = intPart.Length + exponent;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') { lead++; pointPos--; }
        all = all[lead..].TrimEnd('0');
        if (all.Length == 0) all = "0";
        return (double.IsNegative(d), all, pointPos);
    }
}
