using AwqSharp.Tokenization.Templates.Runtime;

namespace AwqSharp.Tokenization.Templates.Syntax;

/// <summary>
/// What Jinja's compiler checks after parsing: a filter or test name it does not know is an error at compile
/// time, except inside an if-statement (test and body) or a conditional expression, where it only fails if
/// reached. Jinja filters this interpreter leaves out fail when applied. Also bounds the syntax tree's depth.
/// </summary>
internal static class NameValidator
{
    public static void Validate(IReadOnlyList<Stmt> body, int maxDepth) => Statements(body, soft: false, 0, maxDepth);

    private static void CheckDepth(int depth, int maxDepth, int line)
    {
        if (depth > maxDepth) throw new TemplateException(TemplateErrorKind.Limit, $"template nested deeper than {maxDepth} levels", line);
    }

    private static void Statements(IReadOnlyList<Stmt> body, bool soft, int depth, int max)
    {
        foreach (var s in body) Statement(s, soft, depth + 1, max);
    }

    private static void Statement(Stmt stmt, bool soft, int depth, int max)
    {
        CheckDepth(depth, max, stmt.Line);
        switch (stmt)
        {
            case PrintStmt p: Expression(p.Value, soft, depth, max); break;
            case IfStmt s:
                foreach (var (test, branch) in s.Branches)
                {
                    Expression(test, true, depth, max);
                    Statements(branch, true, depth, max);
                }
                Statements(s.Else, true, depth, max);
                break;
            case ForStmt f:
                Expression(f.Iterable, soft, depth, max);
                if (f.Filter is not null) Expression(f.Filter, false, depth, max);
                Statements(f.Body, false, depth, max);
                Statements(f.Else, false, depth, max);
                break;
            case SetStmt s: Expression(s.Value, soft, depth, max); break;
            case SetBlockStmt s:
                if (s.Filter is not null) Expression(s.Filter, false, depth, max);
                Statements(s.Body, false, depth, max);
                break;
            case MacroStmt m:
                foreach (var d in m.Defaults) Expression(d, false, depth, max);
                Statements(m.Body, false, depth, max);
                break;
            case FilterBlockStmt f:
                Expression(f.Filter, false, depth, max);
                Statements(f.Body, false, depth, max);
                break;
            case WithStmt w:
                foreach (var (_, value) in w.Assignments) Expression(value, soft, depth, max);
                Statements(w.Body, false, depth, max);
                break;
            case GenerationStmt g: Statements(g.Body, false, depth, max); break;
        }
    }

    private static void Args(CallArgs args, bool soft, int depth, int max)
    {
        foreach (var a in args.Positional) Expression(a, soft, depth, max);
        foreach (var (_, v) in args.Keywords) Expression(v, soft, depth, max);
        if (args.DynArgs is not null) Expression(args.DynArgs, soft, depth, max);
        if (args.DynKwargs is not null) Expression(args.DynKwargs, soft, depth, max);
    }

    private static void Expression(Expr? expr, bool soft, int depth, int max)
    {
        if (expr is null) return;
        depth++;
        CheckDepth(depth, max, expr.Line);
        switch (expr)
        {
            case GetAttrExpr g: Expression(g.Target, soft, depth, max); break;
            case GetItemExpr g: Expression(g.Target, soft, depth, max); Expression(g.Key, soft, depth, max); break;
            case SliceExpr s: Expression(s.Start, soft, depth, max); Expression(s.Stop, soft, depth, max); Expression(s.Step, soft, depth, max); break;
            case ListExpr l: foreach (var i in l.Items) Expression(i, soft, depth, max); break;
            case TupleExpr t: foreach (var i in t.Items) Expression(i, soft, depth, max); break;
            case DictExpr d: foreach (var (k, v) in d.Pairs) { Expression(k, soft, depth, max); Expression(v, soft, depth, max); } break;
            case UnaryExpr u: Expression(u.Operand, soft, depth, max); break;
            case BinaryExpr b: Expression(b.Left, soft, depth, max); Expression(b.Right, soft, depth, max); break;
            case AndExpr a: Expression(a.Left, soft, depth, max); Expression(a.Right, soft, depth, max); break;
            case OrExpr o: Expression(o.Left, soft, depth, max); Expression(o.Right, soft, depth, max); break;
            case ConcatExpr c: foreach (var p in c.Parts) Expression(p, soft, depth, max); break;
            case CompareExpr c:
                Expression(c.First, soft, depth, max);
                foreach (var (_, operand) in c.Rest) Expression(operand, soft, depth, max);
                break;
            case CondExpr c:
                Expression(c.Test, true, depth, max);
                Expression(c.Then, true, depth, max);
                Expression(c.Else, true, depth, max);
                break;
            case FilterExpr f:
                if (!soft && !Filters.IsJinjaFilter(f.Name)) throw Filters.Unavailable(f.Name, f.Line);
                Expression(f.Operand, soft, depth, max);
                Args(f.Args, soft, depth, max);
                break;
            case TestExpr t:
                if (!soft && !Tests.Exists(t.Name)) throw Tests.Unknown(t.Name, t.Line);
                Expression(t.Operand, soft, depth, max);
                Args(t.Args, soft, depth, max);
                break;
            case CallExpr c: Expression(c.Callee, soft, depth, max); Args(c.Args, soft, depth, max); break;
        }
    }
}
