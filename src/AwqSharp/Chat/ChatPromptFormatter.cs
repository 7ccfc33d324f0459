using AwqSharp.Tokenization;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Chat;

/// <summary>
/// Turns a conversation into prompt token ids, as transformers' <c>apply_chat_template(messages,
/// add_generation_prompt=True, tokenize=True)</c> does: the model's chat template is rendered with its special tokens
/// (bos_token, eos_token...) and the result is tokenized without adding special tokens again (the template writes them).
/// A model without a chat template (a base model such as stories260K) gets the documented fallback instead: the
/// messages' contents joined by a blank line, roles dropped, tokenized with the tokenizer's special tokens (BOS),
/// so the model simply continues the text.
/// </summary>
public sealed class ChatPromptFormatter
{
    /// <summary>What separates the messages' contents when the model has no chat template.</summary>
    public const string FallbackSeparator = "\n\n";

    private readonly IReadOnlyDictionary<string, object?> _variables;

    /// <param name="tokenizer">Tokenizes the rendered prompt.</param>
    /// <param name="template">The chat template, or null for the plain fallback.</param>
    /// <param name="variables">Variables the template sees besides messages (special tokens...).</param>
    public ChatPromptFormatter(TextTokenizer tokenizer, ChatTemplate? template, IReadOnlyDictionary<string, object?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Tokenizer = tokenizer;
        Template = template;
        _variables = variables ?? new Dictionary<string, object?>();
    }

    /// <summary>Reads the chat template of a model directory (chat_template.jinja, tokenizer_config.json...); the fallback when it has none.</summary>
    /// <exception cref="InvalidModelFileException">A template file is malformed.</exception>
    /// <exception cref="TemplateException">The template does not parse.</exception>
    public static ChatPromptFormatter FromModelDirectory(string directory, TextTokenizer tokenizer)
    {
        var template = ChatTemplate.FromModelDirectory(directory, out var variables);
        return new ChatPromptFormatter(tokenizer, template, variables);
    }

    public TextTokenizer Tokenizer { get; }

    /// <summary>The model's chat template; null when the plain fallback is used.</summary>
    public ChatTemplate? Template { get; }

    /// <summary>The prompt text: the rendered template ending with the assistant's header, or the fallback's joined contents.</summary>
    /// <exception cref="ArgumentException">No messages.</exception>
    /// <exception cref="TemplateException">The template refused the conversation (e.g. roles that do not alternate).</exception>
    public string Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0) throw new ArgumentException("the conversation has no messages", nameof(messages));
        return Template is null
            ? string.Join(FallbackSeparator, messages.Select(m => m.Content))
            : Template.Render(messages, addGenerationPrompt: true, _variables);
    }

    /// <summary>The prompt's token ids (never empty: an empty fallback prompt starts from BOS).</summary>
    /// <exception cref="ArgumentException">No messages, or the prompt has no tokens and the tokenizer no BOS.</exception>
    /// <exception cref="TemplateException">The template refused the conversation.</exception>
    public int[] Encode(IReadOnlyList<ChatMessage> messages)
    {
        var ids = Tokenizer.Encode(Render(messages), addSpecialTokens: Template is null);
        if (ids.Length > 0) return ids;
        return Tokenizer.BosTokenId is int bos ? [bos] : throw new ArgumentException("the prompt is empty and the tokenizer has no BOS token to start from", nameof(messages));
    }
}
