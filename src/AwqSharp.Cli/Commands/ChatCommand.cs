using System.CommandLine;
using AwqSharp.Runtime;
using AwqSharp.Tokenization.Templates;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// `awq chat --model DIR [--system TEXT]`: an interactive REPL with streaming replies and history.
/// Commands: /reset (forget the conversation), /exit (or end of input). Uses the model's own chat
/// template; a model without one (a base model such as stories260K) runs as plain text completion.
/// </summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var system = new Option<string?>("--system") { Description = "system prompt (when the template supports one)" };
        var sampling = new SamplingCliOptions();
        var command = new Command("chat", "chat with a model interactively (/reset, /exit)") { model, system };
        sampling.AddTo(command);
        command.SetAction((pr, ct) => CliErrors.Run(() => Task.FromResult(Run(pr.GetValue(model)!, pr.GetValue(system), sampling.Read(pr), ct))));
        return command;
    }

    private static int Run(string dir, string? system, GenerationOptions options, CancellationToken ct)
    {
        var generator = ModelSession.Load(dir, ct);
        var template = ChatTemplate.FromModelDirectory(dir, out var variables);
        var session = new ConversationCache(generator.Model);
        var history = new List<ChatMessage>();
        if (system is not null) history.Add(new ChatMessage("system", system));
        Console.Error.WriteLine(template is null
            ? $"{Path.GetFileName(Path.GetFullPath(dir))} has no chat template: each line is continued as plain text. /exit to quit."
            : $"chatting with {Path.GetFileName(Path.GetFullPath(dir))}. /reset clears the conversation, /exit quits.");
        while (!ct.IsCancellationRequested)
        {
            Console.Error.Write("> ");
            var line = Console.ReadLine();
            if (line is null || line.Trim() == "/exit") break;
            if (line.Trim() == "/reset")
            {
                history.RemoveAll(m => m.Role != "system");
                session.Reset();
                Console.Error.WriteLine("(conversation cleared)");
                continue;
            }
            if (line.Trim().Length == 0) continue;

            int[] prompt;
            if (template is null)
            {
                prompt = generator.EncodePrompt(line);
                session.Reset();
                Console.Write(line);
            }
            else
            {
                history.Add(new ChatMessage("user", line));
                prompt = generator.Tokenizer.Encode(template.Render(history, addGenerationPrompt: true, variables), addSpecialTokens: false);
            }
            var reply = new System.Text.StringBuilder();
            foreach (var chunk in generator.Generate(prompt, options, ct, session))
            {
                Console.Write(chunk.Text);
                Console.Out.Flush();
                reply.Append(chunk.Text);
            }
            Console.WriteLine();
            if (template is not null) history.Add(new ChatMessage("assistant", reply.ToString().Trim()));
        }
        return 0;
    }
}
