using System.CommandLine;
using System.Text.Json;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq template --model DIR --messages FILE.json [--add-generation-prompt] [--tools FILE.json] [--template-name NAME]`:
/// prints the prompt the model's chat template renders for a conversation, byte for byte as transformers'
/// apply_chat_template(tokenize=False) would (no newline added).
/// </summary>
internal static class TemplateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model("model or tokenizer directory (tokenizer_config.json with chat_template, or chat_template.jinja)");
        var messages = new Option<string>("--messages") { Description = "JSON file: an array of {\"role\", \"content\"} messages (tool_calls and other fields are passed through)", Required = true };
        var addGenerationPrompt = new Option<bool>("--add-generation-prompt") { Description = "end with the header that starts the assistant's reply" };
        var tools = new Option<string?>("--tools") { Description = "JSON file: an array of tool (function) schemas, passed to the template as 'tools'" };
        var templateName = new Option<string?>("--template-name") { Description = "which template when tokenizer_config.json holds several (default: \"default\")" };
        var command = new Command("template", "render a conversation with the model's chat template") { model, messages, addGenerationPrompt, tools, templateName };
        command.SetAction(pr => CliErrors.Run(() => Run(pr.GetValue(model)!, pr.GetValue(messages)!, pr.GetValue(addGenerationPrompt), pr.GetValue(tools), pr.GetValue(templateName))));
        return command;
    }

    private static int Run(string dir, string messagesPath, bool addGenerationPrompt, string? toolsPath, string? templateName)
    {
        var template = ChatTemplate.FromModelDirectory(dir, out var defaults, templateName)
            ?? throw new AwqException($"{dir}: no chat template (no 'chat_template' in tokenizer_config.json, no chat_template.jinja)");
        var conversation = ChatMessage.ParseJsonArray(File.ReadAllText(messagesPath), messagesPath);
        var variables = new Dictionary<string, object?>(defaults);
        if (toolsPath is not null)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(toolsPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidModelFileException(toolsPath, "expected a JSON array of tool schemas");
            variables["tools"] = doc.RootElement.Clone();
        }
        Console.Out.Write(template.Render(conversation, addGenerationPrompt, variables));
        Console.Out.Flush();
        return 0;
    }
}
