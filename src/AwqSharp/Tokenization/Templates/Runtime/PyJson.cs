using System.Globalization;
using System.Text;

namespace AwqSharp.Tokenization.Templates.Runtime;

/// <summary>
/// Python's <c>json.dumps</c>, which transformers installs as the <c>tojson</c> filter
/// (<c>ensure_ascii=False</c> by default, optional indent, separators and sort_keys) instead of Jinja's HTML-safe one.
/// </summary>
internal sealed class PyJson
{
    private const int MaxNesting = 200;

    private readonly bool _ensureAscii;
    private readonly string? _indent;
    private readonly string _itemSeparator;
    private readonly string _keySeparator;
    private readonly bool _sortKeys;
    private readonly int _maxLength;
    private readonly StringBuilder _sb = new();

    public PyJson(bool ensureAscii, string? indent, string? itemSeparator, string? keySeparator, bool sortKeys, int maxLength)
    {
        _ensureAscii = ensureAscii;
        _indent = indent;
        _itemSeparator = itemSeparator ?? (indent is null ? ", " : ",");
        _keySeparator = keySeparator ?? ": ";
        _sortKeys = sortKeys;
        _maxLength = maxLength;
    }

    public string Dump(object? value)
    {
        Write(value, 0);
        return _sb.ToString();
    }

    private static TemplateException NotSerializable(object? value) =>
        new(TemplateErrorKind.Runtime, $"Object of type {PyFormat.TypeName(value)} is not JSON serializable");

    private void Write(object? value, int level)
    {
        if (level > MaxNesting) throw new TemplateException(TemplateErrorKind.Limit, $"tojson: value nested deeper than {MaxNesting} levels");
        if (_sb.Length > _maxLength) throw new TemplateException(TemplateErrorKind.Limit, "tojson: output too long");
        switch (value)
        {
            case null: _sb.Append("null"); break;
            case bool b: _sb.Append(b ? "true" : "false"); break;
            case long l: _sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: _sb.Append(FloatText(d)); break;
            case string s: WriteString(s); break;
            case List<object?> list: WriteArray(list, level); break;
            case PyTuple t: WriteArray(t, level); break;
            case PyDict dict: WriteObject(dict, level); break;
            default: throw NotSerializable(value);
        }
    }

    private static string FloatText(double d) =>
        double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyFormat.FloatRepr(d);

    private void NewLine(int level)
    {
        _sb.Append('\n');
        for (int i = 0; i < level; i++) _sb.Append(_indent);
    }

    private void WriteArray(IReadOnlyList<object?> items, int level)
    {
        if (items.Count == 0) { _sb.Append("[]"); return; }
        _sb.Append('[');
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0) _sb.Append(_itemSeparator);
            if (_indent is not null) NewLine(level + 1);
            Write(items[i], level + 1);
        }
        if (_indent is not null) NewLine(level);
        _sb.Append(']');
    }

    private void WriteObject(PyDict dict, int level)
    {
        if (dict.Count == 0) { _sb.Append("{}"); return; }
        var items = dict.Items.ToList();
        if (_sortKeys)
        {
            var order = Enumerable.Range(0, items.Count).ToArray();
            Array.Sort(order, (a, b) => PyOps.Compare(items[a].Key, items[b].Key, "<") is var c && c != 0 ? c : a.CompareTo(b));
            items = order.Select(i => items[i]).ToList();
        }
        _sb.Append('{');
        bool first = true;
        foreach (var (key, value) in items)
        {
            string keyText = key switch
            {
                string s => s,
                bool b => b ? "true" : "false",
                long l => l.ToString(CultureInfo.InvariantCulture),
                double d => FloatText(d),
                _ => throw new TemplateException(TemplateErrorKind.Runtime, $"keys must be str, int, float, bool or None, not {PyFormat.TypeName(key)}"),
            };
            if (!first) _sb.Append(_itemSeparator);
            first = false;
            if (_indent is not null) NewLine(level + 1);
            WriteString(keyText);
            _sb.Append(_keySeparator);
            Write(value, level + 1);
        }
        if (_indent is not null) NewLine(level);
        _sb.Append('}');
    }

    private void WriteString(string s)
    {
        _sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': _sb.Append("\\\""); break;
                case '\\': _sb.Append("\\\\"); break;
                case '\n': _sb.Append("\\n"); break;
                case '\r': _sb.Append("\\r"); break;
                case '\t': _sb.Append("\\t"); break;
                case '\b': _sb.Append("\\b"); break;
                case '\f': _sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (_ensureAscii && c > 0x7e))
                        _sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else _sb.Append(c);
                    break;
            }
        }
        _sb.Append('"');
    }
}
