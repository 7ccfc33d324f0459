namespace AwqSharp.Tokenization.Templates.Runtime;

// Runtime values follow Python's types: null = None, bool, long = int, double = float, string = str,
// List<object?> = list, PyTuple = tuple, PyDict = dict, plus Jinja's Undefined, namespace and loop objects.

/// <summary>Jinja's default <c>Undefined</c>: prints as "", is falsy, iterates as empty; most other uses raise an error with <see cref="Message"/>.</summary>
internal sealed class Undefined
{
    public Undefined(string message, bool unsafeAccess = false)
    {
        Message = message;
        IsUnsafe = unsafeAccess;
    }

    /// <summary>What Jinja would say on misuse, e.g. "'foo' is undefined".</summary>
    public string Message { get; }

    /// <summary>Produced by sandboxed access to a mutating method (list.append, dict.pop...): calling it is a security error.</summary>
    public bool IsUnsafe { get; }

    public static Undefined Named(string name) => new($"'{name}' is undefined");

    public static Undefined Attribute(object? owner, string name) =>
        new(owner is null ? $"'None' has no attribute '{name}'" : $"'{PyFormat.TypeDescription(owner)}' has no attribute '{name}'");

    public static Undefined Element(object? owner, object? key) =>
        key is string s ? Attribute(owner, s) : new($"{(owner is null ? "None" : PyFormat.TypeDescription(owner))} has no element {PyFormat.Repr(key)}");

    public TemplateException Error() => new(IsUnsafe ? TemplateErrorKind.Runtime : TemplateErrorKind.Runtime, Message);
}

/// <summary>A Python tuple (immutable sequence, printed with parentheses).</summary>
internal sealed class PyTuple(object?[] items) : IReadOnlyList<object?>
{
    public object?[] Items { get; } = items;
    public int Count => Items.Length;
    public object? this[int index] => Items[index];
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)Items).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => Items.GetEnumerator();
}

/// <summary>A Python dict: insertion-ordered, keys compared as Python does (1 == 1.0 == True).</summary>
internal sealed class PyDict
{
    private readonly OrderedDictionary<object, object?> _items = new(PyKeyComparer.Instance);

    public int Count => _items.Count;
    public IEnumerable<object> Keys => _items.Keys;
    public IEnumerable<object?> Values => _items.Values;
    public IEnumerable<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Sets a key (None keys are not supported).</summary>
    public void Set(object? key, object? value)
    {
        if (key is null) throw new TemplateException(TemplateErrorKind.Runtime, "dictionaries with None as a key are not supported");
        if (!PyOps.IsHashable(key)) throw new TemplateException(TemplateErrorKind.Runtime, $"unhashable type: '{PyFormat.TypeName(key)}'");
        _items[key] = value;
    }

    public bool TryGet(object? key, out object? value)
    {
        value = null;
        if (key is null || !PyOps.IsHashable(key)) return false;
        return _items.TryGetValue(key, out value);
    }

    public bool ContainsKey(object? key) => TryGet(key, out _);
}

/// <summary>Key equality of Python dicts: numbers by value across int/float/bool, strings ordinal, tuples element-wise.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => PyOps.AreEqual(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        string s => s.GetHashCode(StringComparison.Ordinal),
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d => d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? ((long)d).GetHashCode() : d.GetHashCode(),
        PyTuple t => t.Items.Aggregate(17, (h, item) => h * 31 + (item is null ? 0 : GetHashCode(item))),
        _ => obj.GetHashCode(),
    };
}

/// <summary>What <c>dict.items()</c>, <c>.keys()</c>, <c>.values()</c> return: iterable, printed like Python's views.</summary>
internal sealed class DictView(string kind, List<object?> items)
{
    public string Kind { get; } = kind;
    public List<object?> Items { get; } = items;
}

/// <summary>Jinja's <c>namespace(...)</c>: the one object whose attributes <c>{% set ns.x = ... %}</c> may change.</summary>
internal sealed class Namespace
{
    public PyDict Attributes { get; } = new();
}

/// <summary>Anything callable from a template: globals, bound methods, macros.</summary>
internal interface ICallable
{
    string Name { get; }
    object? Call(Interpreter interpreter, Arguments args);
}

/// <summary>Evaluated call arguments.</summary>
internal sealed class Arguments(List<object?> positional, List<KeyValuePair<string, object?>> keywords)
{
    public static readonly Arguments Empty = new([], []);

    public List<object?> Positional { get; } = positional;
    public List<KeyValuePair<string, object?>> Keywords { get; } = keywords;

    /// <summary>Binds to a Python-style signature: names in order, defaults for the trailing ones. Missing → <see cref="Missing"/>.</summary>
    public object?[] Bind(string function, string[] names, int required, bool ignoreExtraKeywords = false)
    {
        if (Positional.Count > names.Length)
            throw new TemplateException(TemplateErrorKind.Runtime, $"{function}() takes at most {names.Length} positional argument(s) ({Positional.Count} given)");
        var result = new object?[names.Length];
        Array.Fill(result, Missing.Value);
        for (int i = 0; i < Positional.Count; i++) result[i] = Positional[i];
        foreach (var (key, value) in Keywords)
        {
            int idx = Array.IndexOf(names, key);
            if (idx < 0)
            {
                if (ignoreExtraKeywords) continue;
                throw new TemplateException(TemplateErrorKind.Runtime, $"{function}() got an unexpected keyword argument '{key}'");
            }
            if (result[idx] is not Missing) throw new TemplateException(TemplateErrorKind.Runtime, $"{function}() got multiple values for argument '{key}'");
            result[idx] = value;
        }
        for (int i = 0; i < required; i++)
            if (result[i] is Missing) throw new TemplateException(TemplateErrorKind.Runtime, $"{function}() missing required argument '{names[i]}'");
        return result;
    }
}

/// <summary>Marks an argument that was not passed.</summary>
internal sealed class Missing
{
    public static readonly Missing Value = new();
}

/// <summary>A built-in function or bound method implemented in C#.</summary>
internal sealed class BuiltinFunction(string name, Func<Interpreter, Arguments, object?> body) : ICallable
{
    public string Name { get; } = name;
    public object? Call(Interpreter interpreter, Arguments args) => body(interpreter, args);
}

/// <summary>
/// A Python generator (what map, select, reject, unique and the items filter return): always truthy, has no
/// len(), and is consumed by iteration, so iterating it a second time yields nothing, as in Jinja.
/// </summary>
internal sealed class PyGenerator(string name, List<object?> items)
{
    private int _position;

    public string Name { get; } = name;

    /// <summary>The items not consumed yet; consumes them.</summary>
    public List<object?> TakeAll()
    {
        var rest = items.GetRange(_position, items.Count - _position);
        _position = items.Count;
        return rest;
    }

    /// <summary>The next item, consuming it; false when exhausted.</summary>
    public bool TryTakeOne(out object? item)
    {
        if (_position < items.Count)
        {
            item = items[_position++];
            return true;
        }
        item = null;
        return false;
    }
}

/// <summary>Python's <c>range</c> object: lazy, sized, printed as <c>range(start, stop[, step])</c>.</summary>
internal sealed class PyRange(long start, long stop, long step)
{
    public long Start { get; } = start;
    public long Stop { get; } = stop;
    public long Step { get; } = step;

    public long Count => Step > 0
        ? (Stop > Start ? (Stop - Start - 1) / Step + 1 : 0)
        : (Start > Stop ? (Start - Stop - 1) / -Step + 1 : 0);

    public long ItemAt(long index) => Start + index * Step;

    public List<object?> ToList()
    {
        var list = new List<object?>((int)Math.Min(Count, 1 << 20));
        for (long i = 0; i < Count; i++) list.Add(ItemAt(i));
        return list;
    }
}
