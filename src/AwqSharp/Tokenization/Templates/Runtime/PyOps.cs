using System.Globalization;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Python semantics of the operators Jinja delegates to Python: truth, ==, &lt;, +, -, *, /, //, %, **, in, len, iteration.</summary>
internal static class PyOps
{
    public static TemplateException TypeError(string message) => new(TemplateErrorKind.Runtime, message);

    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        Undefined => false,
        List<object?> l => l.Count > 0,
        PyTuple t => t.Count > 0,
        PyDict d => d.Count > 0,
        DictView v => v.Items.Count > 0,
        PyRange r => r.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static bool IsHashable(object key) => key switch
    {
        string or long or double or bool => true,
        PyTuple t => t.Items.All(i => i is null || IsHashable(i)),
        List<object?> or PyDict or DictView => false,
        _ => true,
    };

    private static double AsDouble(object v) => v switch { long l => l, double d => d, bool b => b ? 1 : 0, _ => throw new InvalidCastException() };
    private static long AsLong(object v) => v switch { long l => l, bool b => b ? 1 : 0, _ => throw new InvalidCastException() };

    public static bool AreEqual(object? a, object? b) => AreEqual(a, b, 0);

    private static bool AreEqual(object? a, object? b, int depth)
    {
        if (depth > 200) throw new TemplateException(TemplateErrorKind.Limit, "comparison of values nested deeper than 200 levels");
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return AsDouble(a) == AsDouble(b);
            return AsLong(a) == AsLong(b);
        }
        switch (a)
        {
            case string sa: return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case Undefined: return b is Undefined;
            case List<object?> la: return b is List<object?> lb && SequenceEqual(la, lb, depth);
            case PyTuple ta: return b is PyTuple tb && SequenceEqual(ta, tb, depth);
            case PyRange ra: return b is PyRange rb && SequenceEqual(ra.ToList(), rb.ToList(), depth);
            case PyDict da:
                if (b is not PyDict db || da.Count != db.Count) return false;
                foreach (var (k, v) in da.Items)
                    if (!db.TryGet(k, out var other) || !AreEqual(v, other, depth + 1)) return false;
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    private static bool SequenceEqual(IReadOnlyList<object?> a, IReadOnlyList<object?> b, int depth)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (!AreEqual(a[i], b[i], depth + 1)) return false;
        return true;
    }

    /// <summary>Python's ordering (&lt;, &gt;...): numbers, strings by code point, lists/tuples lexicographically.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (a is Undefined ua) throw ua.Error();
        if (b is Undefined ub) throw ub.Error();
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double)
            {
                double x = AsDouble(a!), y = AsDouble(b!);
                if (double.IsNaN(x) || double.IsNaN(y)) return op is "<" or "<=" ? 1 : -1; // every ordering of NaN is false
                return x.CompareTo(y);
            }
            return AsLong(a!).CompareTo(AsLong(b!));
        }
        if (a is string sa && b is string sb) return PyText.Compare(sa, sb);
        if ((a is List<object?> && b is List<object?>) || (a is PyTuple && b is PyTuple))
        {
            var la = (IReadOnlyList<object?>)a;
            var lb = (IReadOnlyList<object?>)b;
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
                if (!AreEqual(la[i], lb[i])) return Compare(la[i], lb[i], op);
            return la.Count.CompareTo(lb.Count);
        }
        throw TypeError($"'{op}' not supported between instances of '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'");
    }

    private static void CheckSize(long size, int max)
    {
        if (size > max) throw new TemplateException(TemplateErrorKind.Limit, $"value larger than {max} elements or characters");
    }

    public static object? Add(object? a, object? b, int maxLength)
    {
        if (a is Undefined ua) throw ua.Error();
        if (b is Undefined ub) throw ub.Error();
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return AsDouble(a!) + AsDouble(b!);
            return Checked(() => checked(AsLong(a!) + AsLong(b!)));
        }
        switch (a)
        {
            case string sa when b is string sb:
                CheckSize((long)sa.Length + sb.Length, maxLength);
                return sa + sb;
            case List<object?> la when b is List<object?> lb:
                CheckSize((long)la.Count + lb.Count, maxLength);
                return new List<object?>(la.Concat(lb));
            case PyTuple ta when b is PyTuple tb:
                CheckSize((long)ta.Count + tb.Count, maxLength);
                return new PyTuple([.. ta.Items, .. tb.Items]);
            case string when b is not string:
                throw TypeError($"can only concatenate str (not \"{PyFormat.TypeName(b)}\") to str");
            case List<object?>:
                throw TypeError($"can only concatenate list (not \"{PyFormat.TypeName(b)}\") to list");
        }
        throw TypeError($"unsupported operand type(s) for +: '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'");
    }

    private static object Checked(Func<long> f)
    {
        try { return f(); }
        catch (OverflowException) { throw new TemplateException(TemplateErrorKind.Runtime, "integer overflow (Python integers are unbounded; this interpreter uses 64 bits)"); }
    }

    public static object? Arithmetic(string op, object? a, object? b, int maxLength)
    {
        if (a is Undefined ua) throw ua.Error();
        if (b is Undefined ub) throw ub.Error();
        if (op == "+") return Add(a, b, maxLength);
        if (IsNumber(a) && IsNumber(b))
        {
            bool isFloat = a is double || b is double;
            switch (op)
            {
                case "-":
                    return isFloat ? AsDouble(a!) - AsDouble(b!) : Checked(() => checked(AsLong(a!) - AsLong(b!)));
                case "*":
                    return isFloat ? AsDouble(a!) * AsDouble(b!) : Checked(() => checked(AsLong(a!) * AsLong(b!)));
                case "/":
                {
                    double y = AsDouble(b!);
                    if (y == 0) throw new TemplateException(TemplateErrorKind.Runtime, "division by zero");
                    return AsDouble(a!) / y;
                }
                case "//":
                case "%":
                    if (isFloat)
                    {
                        double x = AsDouble(a!), y = AsDouble(b!);
                        if (y == 0) throw new TemplateException(TemplateErrorKind.Runtime, op == "//" ? "float floor division by zero" : "float modulo");
                        // CPython's float_divmod
                        double mod = x % y, div = (x - mod) / y;
                        if (mod != 0)
                        {
                            if ((y < 0) != (mod < 0)) { mod += y; div -= 1.0; }
                        }
                        else mod = Math.CopySign(0.0, y);
                        if (op == "%") return mod;
                        double floorDiv;
                        if (div != 0)
                        {
                            floorDiv = Math.Floor(div);
                            if (div - floorDiv > 0.5) floorDiv += 1.0;
                        }
                        else floorDiv = Math.CopySign(0.0, x / y);
                        return floorDiv;
                    }
                    else
                    {
                        long x = AsLong(a!), y = AsLong(b!);
                        if (y == 0) throw new TemplateException(TemplateErrorKind.Runtime, op == "//" ? "integer division or modulo by zero" : "integer modulo by zero");
                        if (x == long.MinValue && y == -1) return op == "//" ? Checked(() => checked(-x)) : 0L;
                        long q = x / y, r = x % y;
                        if (r != 0 && (r < 0) != (y < 0)) { q--; r += y; }
                        return op == "//" ? q : r;
                    }
                case "**":
                    if (!isFloat && AsLong(b!) >= 0)
                    {
                        long bas = AsLong(a!), e = AsLong(b!);
                        return Checked(() =>
                        {
                            long r = 1, bb = bas, ee = e;
                            while (ee > 0)
                            {
                                if ((ee & 1) != 0) r = checked(r * bb);
                                ee >>= 1;
                                if (ee > 0) bb = checked(bb * bb);
                            }
                            return r;
                        });
                    }
                    {
                        double x = AsDouble(a!), y = AsDouble(b!);
                        if (x == 0 && y < 0) throw new TemplateException(TemplateErrorKind.Runtime, "0.0 cannot be raised to a negative power");
                        return Math.Pow(x, y);
                    }
            }
        }
        if (op == "*")
        {
            if (a is string or List<object?> or PyTuple && b is long or bool) return Repeat(a!, AsLong(b!), maxLength);
            if (b is string or List<object?> or PyTuple && a is long or bool) return Repeat(b!, AsLong(a!), maxLength);
        }
        if (op == "%" && a is string)
            throw new TemplateException(TemplateErrorKind.Syntax, "printf-style string formatting ('...' % value) is not supported by this chat-template interpreter");
        string symbol = op;
        throw TypeError($"unsupported operand type(s) for {symbol}: '{PyFormat.TypeName(a)}' and '{PyFormat.TypeName(b)}'");
    }

    private static object Repeat(object seq, long times, int maxLength)
    {
        if (times < 0) times = 0;
        switch (seq)
        {
            case string s:
                CheckSize(s.Length * times, maxLength);
                return string.Concat(Enumerable.Repeat(s, (int)times));
            case List<object?> l:
                CheckSize(l.Count * times, maxLength);
                return Enumerable.Range(0, (int)times).SelectMany(_ => l).ToList();
            default:
                var t = (PyTuple)seq;
                CheckSize(t.Count * times, maxLength);
                return new PyTuple(Enumerable.Range(0, (int)times).SelectMany(_ => t.Items).ToArray());
        }
    }

    public static object? Negate(object? v) => v switch
    {
        long l => l == long.MinValue ? throw new TemplateException(TemplateErrorKind.Runtime, "integer overflow") : (object)(-l),
        double d => (object)(-d),
        bool b => (object)(b ? -1L : 0L),
        Undefined u => throw u.Error(),
        _ => throw TypeError($"bad operand type for unary -: '{PyFormat.TypeName(v)}'"),
    };

    public static object? Plus(object? v) => v switch
    {
        long or double => v,
        bool b => (object)(b ? 1L : 0L),
        Undefined u => throw u.Error(),
        _ => throw TypeError($"bad operand type for unary +: '{PyFormat.TypeName(v)}'"),
    };

    /// <summary>Python's <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case Undefined: return false;
            case string s:
                if (item is Undefined u) throw u.Error();
                if (item is not string sub) throw TypeError($"'in <string>' requires string as left operand, not {PyFormat.TypeName(item)}");
                return s.Contains(sub, StringComparison.Ordinal);
            case List<object?> l: return l.Any(x => AreEqual(x, item));
            case PyTuple t: return t.Items.Any(x => AreEqual(x, item));
            case PyDict d:
                if (item is not null && !IsHashable(item)) throw TypeError($"unhashable type: '{PyFormat.TypeName(item)}'");
                return d.ContainsKey(item);
            case DictView v: return v.Items.Any(x => AreEqual(x, item));
            case PyGenerator g: return g.TakeAll().Any(x => AreEqual(x, item));
            case PyRange r: return r.ToList().Any(x => AreEqual(x, item));
            case Namespace: throw TypeError("argument of type 'Namespace' is not iterable");
            default: throw TypeError($"argument of type '{PyFormat.TypeName(container)}' is not iterable");
        }
    }

    /// <summary>Python's <c>iter(value)</c>, materialized: lists and tuples by item, dicts by key, strings by character, Undefined as empty.</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        List<object?> l => [.. l],
        PyTuple t => [.. t.Items],
        PyDict d => [.. d.Keys],
        string s => [.. PyText.Chars(s)],
        DictView v => [.. v.Items],
        PyGenerator g => g.TakeAll(),
        PyRange r => r.ToList(),
        Undefined => [],
        _ => throw TypeError($"'{PyFormat.TypeName(value)}' object is not iterable"),
    };

    /// <summary>Python's <c>len(value)</c>; Undefined has length 0.</summary>
    public static long Length(object? value) => value switch
    {
        string s => PyText.Length(s),
        List<object?> l => l.Count,
        PyTuple t => t.Count,
        PyDict d => d.Count,
        DictView v => v.Items.Count,
        PyRange r => r.Count,
        Undefined => 0,
        _ => throw TypeError($"object of type '{PyFormat.TypeName(value)}' has no len()"),
    };

    /// <summary>Python's <c>int(x)</c> for indices: int or bool.</summary>
    public static bool TryIndex(object? v, out long index)
    {
        switch (v)
        {
            case long l: index = l; return true;
            case bool b: index = b ? 1 : 0; return true;
            default: index = 0; return false;
        }
    }

    public static string FormatInvariant(long v) => v.ToString(CultureInfo.InvariantCulture);
}
