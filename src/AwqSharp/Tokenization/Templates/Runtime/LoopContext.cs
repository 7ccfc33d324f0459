namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>The <c>loop</c> variable of a for loop: index, index0, revindex, revindex0, first, last, length, depth, previtem, nextitem, cycle(), changed().</summary>
internal sealed class LoopContext(List<object?> items)
{
    private object? _lastChanged = Missing.Value;

    public List<object?> Items { get; } = items;
    public int Index0 { get; set; }

    public object? GetAttribute(string name)
    {
        int n = Items.Count;
        return name switch
        {
            "index" => (long)(Index0 + 1),
            "index0" => (long)Index0,
            "revindex" => (long)(n - Index0),
            "revindex0" => (long)(n - Index0 - 1),
            "first" => Index0 == 0,
            "last" => Index0 == n - 1,
            "length" => (long)n,
            "depth" => 1L,
            "depth0" => 0L,
            "previtem" => Index0 > 0 ? Items[Index0 - 1] : new Undefined("there is no previous item"),
            "nextitem" => Index0 + 1 < n ? Items[Index0 + 1] : new Undefined("there is no next item"),
            "cycle" => new BuiltinFunction("cycle", (_, args) =>
            {
                if (args.Keywords.Count > 0) throw new TemplateException(TemplateErrorKind.Runtime, "loop.cycle() takes no keyword arguments");
                if (args.Positional.Count == 0) throw new TemplateException(TemplateErrorKind.Runtime, "no items for cycling given");
                return args.Positional[Index0 % args.Positional.Count];
            }),
            "changed" => new BuiltinFunction("changed", (_, args) =>
            {
                var current = new PyTuple([.. args.Positional]);
                if (_lastChanged is PyTuple last && PyOps.AreEqual(last, current)) return false;
                _lastChanged = current;
                return true;
            }),
            _ => Undefined.Attribute(this, name),
        };
    }
}
