using AwqSharp.Tokenization.Templates.Runtime;
using AwqSharp.Tokenization.Templates.Syntax;

namespace AwqSharp.Tokenization.Templates;

/// <summary>
/// A HuggingFace chat template (the Jinja <c>chat_template</c> of tokenizer_config.json), rendered exactly as
/// transformers' <c>apply_chat_template(..., tokenize=False)</c> does: Jinja2 with <c>trim_blocks</c> and
/// <c>lstrip_blocks</c>, the loop-controls extension, <c>raise_exception</c>, <c>strftime_now</c> and a
/// <c>tojson</c> that does not escape non-ASCII. A construct outside the supported subset (see
/// docs/chat-templates.md) raises <see cref="TemplateException"/> instead of producing a wrong prompt.
/// </summary>
public sealed class ChatTemplate
{
    private readonly IReadOnlyList<Stmt> _body;

    private ChatTemplate(string source, IReadOnlyList<Stmt> body, TemplateLimits limits, TimeProvider clock)
    {
        Source = source;
        _body = body;
        Limits = limits;
        Clock = clock;
    }

    /// <summary>The template text.</summary>
    public string Source { get; }

    /// <summary>The safety limits rendering runs under.</summary>
    public TemplateLimits Limits { get; }

    /// <summary>The clock <c>strftime_now</c> reads (local time, as Python's <c>datetime.now()</c>).</summary>
    public TimeProvider Clock { get; }

    /// <summary>Parses a template; syntax errors and unsupported constructs raise <see cref="TemplateException"/> naming the line.</summary>
    /// <param name="source">The Jinja source.</param>
    /// <param name="limits">Safety limits; <see cref="TemplateLimits.Default"/> when null.</param>
    public static ChatTemplate Parse(string source, TemplateLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        limits ??= TemplateLimits.Default;
        try
        {
            return new ChatTemplate(source, Parser.Parse(source, limits), limits, TimeProvider.System);
        }
        catch (Exception ex) when (ex is not TemplateException)
        {
            throw new TemplateException(TemplateErrorKind.Internal, $"{ex.GetType().Name} while parsing: {ex.Message}", null, ex);
        }
    }

    /// <summary>The same template reading another clock (for reproducible <c>strftime_now</c>).</summary>
    public ChatTemplate WithClock(TimeProvider clock) => new(Source, _body, Limits, clock ?? throw new ArgumentNullException(nameof(clock)));

    /// <summary>
    /// Renders the prompt. The template sees <c>messages</c>, <c>add_generation_prompt</c>, <c>tools</c> and
    /// <c>documents</c> (None unless given) and every entry of <paramref name="variables"/> (bos_token, eos_token,
    /// tools, enable_thinking...), which may be strings, numbers, booleans, lists, dictionaries or JSON.
    /// </summary>
    /// <exception cref="TemplateException">The template raised an exception (e.g. roles do not alternate), failed as Jinja would, or hit a limit.</exception>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        try
        {
            var scope = new Scope(null);
            scope.Set("messages", ValueConverter.FromClr(messages, "messages"));
            scope.Set("add_generation_prompt", addGenerationPrompt);
            scope.Set("tools", null);
            scope.Set("documents", null);
            if (variables is not null)
                foreach (var (name, value) in variables)
                    scope.Set(name, ValueConverter.FromClr(value, name));
            var interpreter = new Interpreter(Limits, Globals.Create(Clock));
            return interpreter.Render(_body, scope);
        }
        catch (Exception ex) when (ex is not TemplateException)
        {
            throw new TemplateException(TemplateErrorKind.Internal, $"{ex.GetType().Name} while rendering: {ex.Message}", null, ex);
        }
    }

    /// <summary>
    /// Loads the chat template of a HuggingFace model or tokenizer directory: <c>chat_template.jinja</c> if present,
    /// else <c>chat_template</c> of tokenizer_config.json (a string, or a list of {name, template} from which
    /// <paramref name="templateName"/>, by default "default", is taken), else chat_template.json. Returns null when the
    /// directory has none. <paramref name="defaultVariables"/> receives the special tokens (bos_token, eos_token,
    /// unk_token, pad_token, ...; from tokenizer_config.json, overridden by special_tokens_map.json) to pass to Render.
    /// </summary>
    /// <exception cref="InvalidModelFileException">A file is malformed (message names the file and field).</exception>
    /// <exception cref="TemplateException">The template does not parse.</exception>
    public static ChatTemplate? FromModelDirectory(string directory, out IReadOnlyDictionary<string, object?> defaultVariables, string? templateName = null)
    {
        var source = ModelTemplateFiles.Load(directory, templateName, out defaultVariables, out _);
        return source is null ? null : Parse(source);
    }
}
