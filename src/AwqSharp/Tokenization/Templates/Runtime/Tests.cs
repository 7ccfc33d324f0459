using System.Globalization;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Jinja's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>...).</summary>
internal static class Tests
{
    private static readonly HashSet<string> Known =
    [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==", "escaped", "even", "false", "filter", "float",
        "ge", ">=", "gt", "greaterthan", ">", "in", "integer", "iterable", "le", "<=", "lower", "lessthan", "lt", "<", "mapping",
        "ne", "!=", "none", "number", "odd", "sameas", "sequence", "string", "test", "true", "undefined", "upper",
    ];

    public static bool Exists(string name) => Known.Contains(name);

    public static TemplateException Unknown(string name, int? line = null) => new(TemplateErrorKind.Syntax, $"no test named '{name}'", line);

    private static object? One(string name, Arguments args) => args.Bind(name, ["other"], 1)[0];

    public static bool Apply(Interpreter interp, string name, object? value, Arguments args)
    {
        switch (name)
        {
            case "defined": args.Bind(name, [], 0); return value is not Undefined;
            case "undefined": args.Bind(name, [], 0); return value is Undefined;
            case "none": args.Bind(name, [], 0); return value is null;
            case "boolean": args.Bind(name, [], 0); return value is bool;
            case "false": args.Bind(name, [], 0); return value is false;
            case "true": args.Bind(name, [], 0); return value is true;
            case "integer": args.Bind(name, [], 0); return value is long;
            case "float": args.Bind(name, [], 0); return value is double;
            case "number": args.Bind(name, [], 0); return PyOps.IsNumber(value);
            case "string": args.Bind(name, [], 0); return value is string;
            case "mapping": args.Bind(name, [], 0); return value is PyDict;
            case "sequence": args.Bind(name, [], 0); return value is string or List<object?> or PyTuple or PyDict or PyRange or Undefined;
            case "iterable": args.Bind(name, [], 0); return value is string or List<object?> or PyTuple or PyDict or DictView or PyGenerator or PyRange or Undefined;
            case "callable": args.Bind(name, [], 0); return value is ICallable or Undefined;
            case "escaped": args.Bind(name, [], 0); return false;
            case "lower": args.Bind(name, [], 0); return IsLower(PyFormat.Str(value));
            case "upper": args.Bind(name, [], 0); return IsUpper(PyFormat.Str(value));
            case "odd" or "even":
            {
                args.Bind(name, [], 0);
                var rem = PyOps.Arithmetic("%", value, 2L, interp.Limits.MaxOutputLength);
                return PyOps.AreEqual(rem, name == "odd" ? 1L : 0L);
            }
            case "divisibleby":
            {
                var p = args.Bind(name, ["num"], 1);
                return PyOps.AreEqual(PyOps.Arithmetic("%", value, p[0], interp.Limits.MaxOutputLength), 0L);
            }
            case "eq" or "equalto" or "==": return PyOps.AreEqual(value, One(name, args));
            case "ne" or "!=": return !PyOps.AreEqual(value, One(name, args));
            case "gt" or "greaterthan" or ">": return PyOps.Compare(value, One(name, args), ">") > 0;
            case "ge" or ">=": return PyOps.Compare(value, One(name, args), ">=") >= 0;
            case "lt" or "lessthan" or "<": return PyOps.Compare(value, One(name, args), "<") < 0;
            case "le" or "<=": return PyOps.Compare(value, One(name, args), "<=") <= 0;
            case "in": return PyOps.Contains(args.Bind(name, ["seq"], 1)[0], value);
            case "sameas":
            {
                var other = One(name, args);
                return (value, other) switch
                {
                    (null, null) => true,
                    (bool a, bool b) => a == b,
                    (long a, long b) => a == b && a is >= -5 and <= 256, // CPython caches small ints

                    _ => ReferenceEquals(value, other),
                };
            }
            case "filter": args.Bind(name, [], 0); return value is string f && Filters.Exists(f);
            case "test": args.Bind(name, [], 0); return value is string t && Known.Contains(t);
            default: throw Unknown(name);
        }
    }

    private static bool IsLower(string s) => s.Any(char.IsLower) && !s.Any(c => char.IsUpper(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter);

    private static bool IsUpper(string s) => s.Any(char.IsUpper) && !s.Any(c => char.IsLower(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter);
}
