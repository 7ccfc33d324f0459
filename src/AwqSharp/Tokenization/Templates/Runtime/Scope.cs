namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>
/// A frame of variables. Jinja scoping: a for-loop iteration, a macro call and a with block get a child
/// scope (assignments there vanish afterwards; hence <c>namespace()</c>); if-blocks do not.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _vars = new(StringComparer.Ordinal);

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (var s = this; s is not null; s = s.Parent)
            if (s._vars.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _vars[name] = value;
}

/// <summary>A <c>{% macro %}</c>: called like a function, it renders its body in a child of the scope it was defined in.</summary>
internal sealed class Macro(Syntax.MacroStmt definition, Scope closure) : ICallable
{
    public string Name => definition.Name;

    public object? Call(Interpreter interpreter, Arguments args) => interpreter.CallMacro(definition, closure, args);
}
