using System.Runtime.CompilerServices;
using System.Text;
using AwqSharp.Tokenization.Templates.Syntax;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>Renders a parsed template: executes statements into a bounded output buffer and evaluates expressions with Jinja/Python semantics.</summary>
internal sealed partial class Interpreter
{
    private enum Flow { Normal, Break, Continue }

    private readonly TemplateLimits _limits;
    private readonly IReadOnlyDictionary<string, object?> _globals;
    private long _steps;
    private int _depth;

    public Interpreter(TemplateLimits limits, IReadOnlyDictionary<string, object?> globals)
    {
        _limits = limits;
        _globals = globals;
    }

    public TemplateLimits Limits => _limits;

    public string Render(IReadOnlyList<Stmt> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    private void Enter(int line)
    {
        try { RuntimeHelpers.EnsureSufficientExecutionStack(); }
        catch (InsufficientExecutionStackException) { throw new TemplateException(TemplateErrorKind.Limit, "template evaluation nested too deeply", line); }
        if (++_depth > _limits.MaxDepth) throw new TemplateException(TemplateErrorKind.Limit, $"evaluation nested deeper than {_limits.MaxDepth} levels (recursive macro?)", line);
    }

    private void Leave() => _depth--;

    private void Step(int line)
    {
        if (++_steps > _limits.MaxSteps) throw new TemplateException(TemplateErrorKind.Limit, $"more than {_limits.MaxSteps} loop iterations and macro calls", line);
    }

    private void Append(StringBuilder output, string text, int line)
    {
        if ((long)output.Length + text.Length > _limits.MaxOutputLength)
            throw new TemplateException(TemplateErrorKind.Limit, $"output longer than {_limits.MaxOutputLength} characters", line);
        output.Append(text);
    }

    private Flow Execute(IReadOnlyList<Stmt> body, Scope scope, StringBuilder output)
    {
        foreach (var stmt in body)
        {
            Enter(stmt.Line);
            Flow flow;
            try { flow = ExecuteOne(stmt, scope, output); }
            catch (TemplateException ex) when (ex.Line is null) { throw ex.AtLine(stmt.Line); }
            finally { Leave(); }
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Stmt stmt, Scope scope, StringBuilder output)
    {
        switch (stmt)
        {
            case DataStmt d:
                Append(output, d.Text, d.Line);
                return Flow.Normal;
            case PrintStmt p:
                Append(output, PyFormat.Str(Eval(p.Value, scope)), p.Line);
                return Flow.Normal;
            case IfStmt s:
                foreach (var (test, branch) in s.Branches)
                    if (PyOps.IsTrue(Eval(test, scope))) return Execute(branch, scope, output);
                return Execute(s.Else, scope, output);
            case ForStmt f:
                return ExecuteFor(f, scope, output);
            case SetStmt s:
                Assign(s.Target, Eval(s.Value, scope), scope);
                return Flow.Normal;
            case SetBlockStmt s:
            {
                var inner = new StringBuilder();
                Execute(s.Body, scope, inner);
                object? value = inner.ToString();
                if (s.Filter is not null) value = ApplyFilterChain(s.Filter, value, scope);
                Assign(s.Target, value, scope);
                return Flow.Normal;
            }
            case MacroStmt m:
                scope.Set(m.Name, new Macro(m, scope));
                return Flow.Normal;
            case FilterBlockStmt fb:
            {
                var inner = new StringBuilder();
                Execute(fb.Body, scope, inner);
                Append(output, PyFormat.Str(ApplyFilterChain(fb.Filter, inner.ToString(), scope)), fb.Line);
                return Flow.Normal;
            }
            case WithStmt w:
            {
                var child = new Scope(scope);
                foreach (var (target, value) in w.Assignments) Assign(target, Eval(value, scope), child);
                return Execute(w.Body, child, output);
            }
            case GenerationStmt g:
                return Execute(g.Body, scope, output);
            case BreakStmt:
                return Flow.Break;
            case ContinueStmt:
                return Flow.Continue;
            default:
                throw new TemplateException(TemplateErrorKind.Internal, $"unhandled statement {stmt.GetType().Name}", stmt.Line);
        }
    }

    private Flow ExecuteFor(ForStmt f, Scope scope, StringBuilder output)
    {
        var all = PyOps.Iterate(Eval(f.Iterable, scope));
        List<object?> items;
        if (f.Filter is null) items = all;
        else
        {
            items = [];
            foreach (var item in all)
            {
                Step(f.Line);
                var probe = new Scope(scope);
                Assign(f.Target, item, probe);
                if (PyOps.IsTrue(Eval(f.Filter, probe))) items.Add(item);
            }
        }
        if (items.Count == 0)
        {
            Execute(f.Else, new Scope(scope), output);
            return Flow.Normal;
        }
        var loop = new LoopContext(items);
        for (int i = 0; i < items.Count; i++)
        {
            Step(f.Line);
            loop.Index0 = i;
            var iteration = new Scope(scope);
            Assign(f.Target, items[i], iteration);
            iteration.Set("loop", loop);
            if (Execute(f.Body, iteration, output) == Flow.Break) break;
        }
        return Flow.Normal;
    }

    private void Assign(Expr target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameExpr n:
                scope.Set(n.Name, value);
                break;
            case NamespaceRefExpr r:
                if (!scope.TryGet(r.Name, out var ns) && !_globals.TryGetValue(r.Name, out ns)) ns = Undefined.Named(r.Name);
                if (ns is not Namespace space)
                    throw new TemplateException(TemplateErrorKind.Runtime, $"cannot assign attribute '{r.Attribute}' on non-namespace object '{r.Name}'", r.Line);
                space.Attributes.Set(r.Attribute, value);
                break;
            case TupleExpr t:
            {
                var items = PyOps.Iterate(value);
                if (items.Count != t.Items.Count)
                    throw new TemplateException(TemplateErrorKind.Runtime,
                        items.Count > t.Items.Count ? $"too many values to unpack (expected {t.Items.Count})" : $"not enough values to unpack (expected {t.Items.Count}, got {items.Count})", t.Line);
                for (int i = 0; i < items.Count; i++) Assign(t.Items[i], items[i], scope);
                break;
            }
            default:
                throw new TemplateException(TemplateErrorKind.Syntax, "cannot assign to this expression", target.Line);
        }
    }

    /// <summary>Calls a macro: parameters bound in a child of its defining scope, body rendered to a string.</summary>
    public object? CallMacro(MacroStmt def, Scope closure, Arguments args)
    {
        Step(def.Line);
        Enter(def.Line);
        try
        {
            var scope = new Scope(closure);
            if (args.Positional.Count > def.Parameters.Count)
                throw new TemplateException(TemplateErrorKind.Runtime, $"macro '{def.Name}' takes not more than {def.Parameters.Count} argument(s)");
            var bound = new bool[def.Parameters.Count];
            for (int i = 0; i < args.Positional.Count; i++) { scope.Set(def.Parameters[i], args.Positional[i]); bound[i] = true; }
            foreach (var (key, value) in args.Keywords)
            {
                int idx = def.Parameters.ToList().IndexOf(key);
                if (idx < 0) throw new TemplateException(TemplateErrorKind.Runtime, $"macro '{def.Name}' takes no keyword argument '{key}'");
                if (bound[idx]) throw new TemplateException(TemplateErrorKind.Runtime, $"macro '{def.Name}' got multiple values for argument '{key}'");
                scope.Set(key, value);
                bound[idx] = true;
            }
            int firstDefault = def.Parameters.Count - def.Defaults.Count;
            for (int i = 0; i < def.Parameters.Count; i++)
            {
                if (bound[i]) continue;
                scope.Set(def.Parameters[i], i >= firstDefault
                    ? Eval(def.Defaults[i - firstDefault], scope)
                    : new Undefined($"parameter '{def.Parameters[i]}' was not provided"));
            }
            var output = new StringBuilder();
            Execute(def.Body, scope, output);
            return output.ToString();
        }
        finally { Leave(); }
    }
}
