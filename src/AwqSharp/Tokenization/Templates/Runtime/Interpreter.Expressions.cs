using System.Text;
using AwqSharp.Tokenization.Templates.Syntax;

namespace AwqSharp.Tokenization.Templates.Runtime;

internal sealed partial class Interpreter
{
    public object? Eval(Expr expr, Scope scope)
    {
        Enter(expr.Line);
        try { return EvalCore(expr, scope); }
        finally { Leave(); }
    }

    private object? EvalCore(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case ConstExpr c: return c.Value;
            case NameExpr n: return Lookup(n.Name, scope);
            case GetAttrExpr g: return GetAttribute(Eval(g.Target, scope), g.Attribute);
            case GetItemExpr g:
            {
                var target = Eval(g.Target, scope);
                if (g.Key is SliceExpr s) return Slice(target, s, scope);
                return GetItem(target, Eval(g.Key, scope));
            }
            case ListExpr l:
            {
                var list = new List<object?>(l.Items.Count);
                foreach (var item in l.Items) list.Add(Eval(item, scope));
                return list;
            }
            case TupleExpr t:
            {
                var items = new object?[t.Items.Count];
                for (int i = 0; i < items.Length; i++) items[i] = Eval(t.Items[i], scope);
                return new PyTuple(items);
            }
            case DictExpr d:
            {
                var dict = new PyDict();
                foreach (var (k, v) in d.Pairs) dict.Set(Eval(k, scope), Eval(v, scope));
                return dict;
            }
            case UnaryExpr u:
            {
                var v = Eval(u.Operand, scope);
                return u.Op switch
                {
                    UnaryOp.Not => !PyOps.IsTrue(v),
                    UnaryOp.Neg => PyOps.Negate(v),
                    _ => PyOps.Plus(v),
                };
            }
            case BinaryExpr b:
            {
                var left = Eval(b.Left, scope);
                var right = Eval(b.Right, scope);
                var op = b.Op switch
                {
                    BinaryOp.Add => "+", BinaryOp.Sub => "-", BinaryOp.Mul => "*", BinaryOp.Div => "/",
                    BinaryOp.FloorDiv => "//", BinaryOp.Mod => "%", _ => "**",
                };
                return PyOps.Arithmetic(op, left, right, _limits.MaxOutputLength);
            }
            case AndExpr a:
            {
                var left = Eval(a.Left, scope);
                return PyOps.IsTrue(left) ? Eval(a.Right, scope) : left;
            }
            case OrExpr o:
            {
                var left = Eval(o.Left, scope);
                return PyOps.IsTrue(left) ? left : Eval(o.Right, scope);
            }
            case ConcatExpr c:
            {
                var sb = new StringBuilder();
                foreach (var part in c.Parts)
                {
                    var text = PyFormat.Str(Eval(part, scope));
                    if ((long)sb.Length + text.Length > _limits.MaxOutputLength)
                        throw new TemplateException(TemplateErrorKind.Limit, $"string longer than {_limits.MaxOutputLength} characters", c.Line);
                    sb.Append(text);
                }
                return sb.ToString();
            }
            case CompareExpr c:
            {
                var left = Eval(c.First, scope);
                foreach (var (op, operandExpr) in c.Rest)
                {
                    var right = Eval(operandExpr, scope);
                    if (!CompareOnce(op, left, right)) return false;
                    left = right;
                }
                return true;
            }
            case CondExpr c:
                if (PyOps.IsTrue(Eval(c.Test, scope))) return Eval(c.Then, scope);
                return c.Else is null
                    ? new Undefined($"the inline if-expression on line {c.Line} evaluated to false and no else section was defined.")
                    : Eval(c.Else, scope);
            case FilterExpr f:
                return ApplyFilterChain(f, null, scope);
            case TestExpr t:
                return Tests.Apply(this, t.Name, Eval(t.Operand, scope), EvalArgs(t.Args, scope));
            case CallExpr call:
            {
                var callee = Eval(call.Callee, scope);
                var args = EvalArgs(call.Args, scope);
                return Call(callee, args);
            }
            case SliceExpr:
                throw new TemplateException(TemplateErrorKind.Syntax, "a slice is only allowed inside [...]", expr.Line);
            case NamespaceRefExpr r:
                return GetAttribute(Lookup(r.Name, scope), r.Attribute);
            default:
                throw new TemplateException(TemplateErrorKind.Internal, $"unhandled expression {expr.GetType().Name}", expr.Line);
        }
    }

    private object? Lookup(string name, Scope scope)
    {
        if (scope.TryGet(name, out var value)) return value;
        if (_globals.TryGetValue(name, out value)) return value;
        return Undefined.Named(name);
    }

    private static bool CompareOnce(CompareOp op, object? left, object? right) => op switch
    {
        CompareOp.Eq => PyOps.AreEqual(left, right),
        CompareOp.Ne => !PyOps.AreEqual(left, right),
        CompareOp.Lt => PyOps.Compare(left, right, "<") < 0,
        CompareOp.Le => PyOps.Compare(left, right, "<=") <= 0,
        CompareOp.Gt => PyOps.Compare(left, right, ">") > 0,
        CompareOp.Ge => PyOps.Compare(left, right, ">=") >= 0,
        CompareOp.In => PyOps.Contains(right, left),
        _ => !PyOps.Contains(right, left),
    };

    public Arguments EvalArgs(CallArgs args, Scope scope)
    {
        if (args.Positional.Count == 0 && args.Keywords.Count == 0 && args.DynArgs is null && args.DynKwargs is null) return Arguments.Empty;
        var positional = new List<object?>(args.Positional.Count);
        foreach (var p in args.Positional) positional.Add(Eval(p, scope));
        var keywords = new List<KeyValuePair<string, object?>>(args.Keywords.Count);
        foreach (var (name, value) in args.Keywords) keywords.Add(new(name, Eval(value, scope)));
        if (args.DynArgs is not null) positional.AddRange(PyOps.Iterate(Eval(args.DynArgs, scope)));
        if (args.DynKwargs is not null)
        {
            if (Eval(args.DynKwargs, scope) is not PyDict extra) throw PyOps.TypeError("argument after ** must be a mapping");
            foreach (var (k, v) in extra.Items)
            {
                if (k is not string key) throw PyOps.TypeError("keywords must be strings");
                keywords.Add(new(key, v));
            }
        }
        return new Arguments(positional, keywords);
    }

    public object? Call(object? callee, Arguments args) => callee switch
    {
        ICallable c => c.Call(this, args),
        Undefined u => throw u.Error(),
        _ => throw PyOps.TypeError($"'{PyFormat.TypeName(callee)}' object is not callable"),
    };

    /// <summary>Applies a filter chain; the innermost operand is <paramref name="input"/> when the chain has none (filter blocks).</summary>
    private object? ApplyFilterChain(FilterExpr f, object? input, Scope scope)
    {
        object? value = f.Operand switch
        {
            null => input,
            FilterExpr inner => ApplyFilterChain(inner, input, scope),
            var operand => Eval(operand, scope),
        };
        return Filters.Apply(this, f.Name, value, EvalArgs(f.Args, scope));
    }

    /// <summary>Jinja's <c>environment.getattr</c> in the immutable sandbox: attribute (method) first, then item.</summary>
    public object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u: throw u.Error();
            case PyDict d:
                if (Methods.DictMethod(d, name) is { } dm) return dm;
                return d.TryGet(name, out var v) ? v : Undefined.Attribute(d, name);
            case Namespace ns:
                return ns.Attributes.TryGet(name, out var nv) ? nv : Undefined.Attribute(ns, name);
            case LoopContext loop:
                return loop.GetAttribute(name);
            default:
                return Methods.Method(target, name) ?? Undefined.Attribute(target, name);
        }
    }

    /// <summary>Jinja's <c>environment.getitem</c>: item first, then attribute for string keys; misses give Undefined.</summary>
    public object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u: throw u.Error();
            case List<object?> or PyTuple or string when PyOps.TryIndex(key, out long index):
            {
                if (target is string s)
                {
                    if (PyText.IsSimple(s))
                    {
                        if (index < 0) index += s.Length;
                        return index >= 0 && index < s.Length ? s[(int)index].ToString() : Undefined.Element(s, key);
                    }
                    var cps = PyText.CodePoints(s);
                    if (index < 0) index += cps.Length;
                    return index >= 0 && index < cps.Length ? PyText.FromCodePoints([cps[index]]) : Undefined.Element(s, key);
                }
                var list = (IReadOnlyList<object?>)target;
                if (index < 0) index += list.Count;
                return index >= 0 && index < list.Count ? list[(int)index] : Undefined.Element(target, key);
            }
            case PyDict d:
                if (d.TryGet(key, out var v)) return v;
                break;
            case Namespace or LoopContext when key is string attr:
                return GetAttribute(target, attr);
            case PyRange r when PyOps.TryIndex(key, out long ri):
                if (ri < 0) ri += r.Count;
                return ri >= 0 && ri < r.Count ? r.ItemAt(ri) : Undefined.Element(r, key);
        }
        if (key is string name && target is not PyDict && Methods.Method(target, name) is { } m) return m;
        if (key is string dictName && target is PyDict dict && Methods.DictMethod(dict, dictName) is { } dm) return dm;
        return Undefined.Element(target, key);
    }

    private object? Slice(object? target, SliceExpr s, Scope scope)
    {
        if (target is Undefined u) throw u.Error();
        long? Bound(Expr? e)
        {
            if (e is null) return null;
            var v = Eval(e, scope);
            if (v is null) return null;
            if (PyOps.TryIndex(v, out long i)) return i;
            throw PyOps.TypeError("slice indices must be integers or None or have an __index__ method");
        }
        long? start = Bound(s.Start), stop = Bound(s.Stop), step = Bound(s.Step);
        switch (target)
        {
            case string str:
                if (PyText.IsSimple(str))
                {
                    var chars = PySlice.Apply(str.ToCharArray(), start, stop, step);
                    return new string(chars);
                }
                return PyText.FromCodePoints(PySlice.Apply(PyText.CodePoints(str), start, stop, step));
            case List<object?> list:
                return PySlice.Apply(list.ToArray(), start, stop, step).ToList();
            case PyTuple t:
                return new PyTuple(PySlice.Apply(t.Items, start, stop, step));
            case PyRange:
                throw new TemplateException(TemplateErrorKind.Syntax, "slicing a range is not supported by this chat-template interpreter");
            default:
                return new Undefined($"{(target is null ? "None" : PyFormat.TypeDescription(target))} has no element slice({start?.ToString() ?? "None"}, {stop?.ToString() ?? "None"}, {step?.ToString() ?? "None"})");
        }
    }
}

/// <summary>Python's slice semantics (slice.indices) on arrays.</summary>
internal static class PySlice
{
    public static T[] Apply<T>(T[] items, long? start, long? stop, long? step)
    {
        long n = items.Length;
        long st = step ?? 1;
        if (st == 0) throw new TemplateException(TemplateErrorKind.Runtime, "slice step cannot be zero");
        long lo, hi;
        if (st > 0)
        {
            lo = Clamp(start ?? 0, n, 0, n);
            hi = Clamp(stop ?? n, n, 0, n);
            var result = new List<T>();
            for (long i = lo; i < hi; i += st)
            {
                result.Add(items[i]);
                if (hi - i <= st) break;
            }
            return [.. result];
        }
        else
        {
            lo = start is null ? n - 1 : Clamp(start.Value, n, -1, n - 1);
            hi = stop is null ? -1 : Clamp(stop.Value, n, -1, n - 1);
            var result = new List<T>();
            long back = st == long.MinValue ? long.MaxValue : -st;
            for (long i = lo; i > hi; i -= back)
            {
                result.Add(items[i]);
                if (i - hi <= back) break;
            }
            return [.. result];
        }
    }

    private static long Clamp(long index, long n, long min, long max)
    {
        if (index < 0) index += n;
        return Math.Min(Math.Max(index, min), max);
    }
}
