namespace AwqSharp.Tokenization.Templates;

/// <summary>What went wrong while parsing or rendering a chat template.</summary>
public enum TemplateErrorKind
{
    /// <summary>The template is not valid Jinja (a syntax error) or uses a construct this interpreter does not implement.</summary>
    Syntax,
    /// <summary>Jinja itself would fail at render time (undefined attribute, type error, bad unpacking...).</summary>
    Runtime,
    /// <summary>The template called <c>raise_exception(message)</c>, e.g. because the roles do not alternate.</summary>
    Raised,
    /// <summary>A safety limit was hit (output size, loop iterations, recursion depth).</summary>
    Limit,
    /// <summary>A defect of this interpreter; never expected, reported instead of crashing.</summary>
    Internal,
}

/// <summary>
/// A chat template that could not be parsed or rendered. The message names the construct and the
/// template line (1-based) when one is known; <see cref="Detail"/> holds the message without the line
/// prefix (for <see cref="TemplateErrorKind.Raised"/> it is exactly the template's own message).
/// </summary>
public sealed class TemplateException : AwqException
{
    public TemplateException(TemplateErrorKind kind, string detail, int? line = null, Exception? inner = null)
        : base(Format(kind, detail, line), inner ?? new InvalidOperationException(detail))
    {
        Kind = kind;
        Detail = detail;
        Line = line;
    }

    /// <summary>Which kind of failure this is.</summary>
    public TemplateErrorKind Kind { get; }

    /// <summary>The message without the "line N" prefix.</summary>
    public string Detail { get; }

    /// <summary>The 1-based template line, when known.</summary>
    public int? Line { get; }

    /// <summary>The same error, located at <paramref name="line"/> (when it has no line yet).</summary>
    internal TemplateException AtLine(int line) => Line is null ? new TemplateException(Kind, Detail, line, InnerException) : this;

    private static string Format(TemplateErrorKind kind, string detail, int? line)
    {
        var where = line is int l ? $"chat template line {l}" : "chat template";
        return kind switch
        {
            TemplateErrorKind.Raised => $"{where}: the template raised an exception: {detail}",
            TemplateErrorKind.Syntax => $"{where}: {detail}",
            TemplateErrorKind.Limit => $"{where}: limit exceeded: {detail}",
            TemplateErrorKind.Internal => $"{where}: internal error: {detail}",
            _ => $"{where}: {detail}",
        };
    }
}
