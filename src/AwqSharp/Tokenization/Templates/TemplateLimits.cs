namespace AwqSharp.Tokenization.Templates;

/// <summary>
/// Bounds that keep a hostile or broken template from hanging or exhausting memory. Exceeding one
/// raises a <see cref="TemplateException"/> of kind <see cref="TemplateErrorKind.Limit"/>.
/// </summary>
public sealed record TemplateLimits
{
    /// <summary>Defaults generous for any real chat template (a few KB of source, conversations of thousands of turns).</summary>
    public static TemplateLimits Default { get; } = new();

    /// <summary>Largest rendered output (and largest intermediate string or list), in UTF-16 chars.</summary>
    public int MaxOutputLength { get; init; } = 64 * 1024 * 1024;

    /// <summary>Total loop iterations (all loops together) plus macro calls in one render.</summary>
    public long MaxSteps { get; init; } = 2_000_000;

    /// <summary>Deepest nesting of statements, expressions, macro calls and values (parsing and rendering).</summary>
    public int MaxDepth { get; init; } = 200;

    /// <summary>Longest <c>range(...)</c>, as in Jinja's sandbox (MAX_RANGE).</summary>
    public int MaxRange { get; init; } = 100_000;
}
