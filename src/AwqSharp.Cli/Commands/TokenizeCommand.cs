using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AwqSharp.Tokenization;

namespace AwqSharp.Cli.Commands;

/// <summary>
/// <c>awq tokenize --model DIR (--text TEXT | --file FILE | --decode IDS) [--no-special] [--json]</c>:
/// prints the token ids and token strings of a text (HuggingFace-exact), or the text of comma-separated ids.
/// With --json the last line of stdout is one JSON object: {"ids", "tokens", "count"} or {"text"}.
/// </summary>
internal static class TokenizeCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (or a folder with tokenizer files: tokenizer.json, vocab.json + merges.txt, or tokenizer.model)", Required = true };
        var text = new Option<string?>("--text") { Description = "Text to encode" };
        var file = new Option<FileInfo?>("--file") { Description = "UTF-8 text file to encode" };
        var decode = new Option<string?>("--decode") { Description = "Comma-separated ids to decode, e.g. 1,15043,3186" };
        var noSpecial = new Option<bool>("--no-special") { Description = "Encode: add no special tokens (BOS...); decode: leave special tokens out" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on the last line" };

        var command = new Command("tokenize", "Encode text to token ids (or decode ids to text) with a model's tokenizer, exactly as HuggingFace does");
        foreach (var option in new Option[] { model, text, file, decode, noSpecial, json }) command.Options.Add(option);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string? input = parse.GetValue(text);
            FileInfo? path = parse.GetValue(file);
            string? ids = parse.GetValue(decode);
            int given = (input is null ? 0 : 1) + (path is null ? 0 : 1) + (ids is null ? 0 : 1);
            if (given != 1) throw new ArgumentException("give exactly one of --text, --file or --decode");

            var tokenizer = TextTokenizer.Load(parse.GetValue(model)!);
            if (ids is not null) return Decode(tokenizer, ParseIds(ids), parse.GetValue(noSpecial), parse.GetValue(json));
            string source = input ?? File.ReadAllText(path!.FullName, Encoding.UTF8);
            return Encode(tokenizer, source, !parse.GetValue(noSpecial), parse.GetValue(json));
        }));
        return command;
    }

    private static int Encode(TextTokenizer tokenizer, string text, bool addSpecialTokens, bool json)
    {
        int[] ids = tokenizer.Encode(text, addSpecialTokens);
        string[] tokens = ids.Select(tokenizer.IdToToken).ToArray();
        var output = Console.Out;
        if (!json)
        {
            output.WriteLine($"{ids.Length} tokens{(addSpecialTokens ? "" : " (no special tokens)")}");
            output.WriteLine("ids: " + string.Join(' ', ids));
            for (int i = 0; i < ids.Length; i++)
                output.WriteLine($"{i,6} {ids[i],8}  {Printable(tokens[i])}{(tokenizer.IsSpecial(ids[i]) ? "  (special)" : "")}");
            return 0;
        }
        output.WriteLine(JsonSerializer.Serialize(new TokenizeResult(ids, tokens, ids.Length), JsonOptions));
        return 0;
    }

    private static int Decode(TextTokenizer tokenizer, int[] ids, bool skipSpecialTokens, bool json)
    {
        string text = tokenizer.Decode(ids, skipSpecialTokens);
        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(new DecodeResult(text), JsonOptions));
        else Console.Out.WriteLine(text);
        return 0;
    }

    private static int[] ParseIds(string list)
    {
        var parts = list.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]) || ids[i] < 0)
                throw new ArgumentException($"--decode: \"{parts[i]}\" is not a token id (expected comma-separated non-negative integers)");
        return ids;
    }

    /// <summary>Token text with control characters shown as escapes, so each token stays on one line.</summary>
    private static string Printable(string token)
    {
        var sb = new StringBuilder(token.Length);
        foreach (char c in token)
            sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\u{(int)c:X4}", _ => c.ToString() });
        return sb.ToString();
    }

    private sealed record TokenizeResult(
        [property: System.Text.Json.Serialization.JsonPropertyName("ids")] int[] Ids,
        [property: System.Text.Json.Serialization.JsonPropertyName("tokens")] string[] Tokens,
        [property: System.Text.Json.Serialization.JsonPropertyName("count")] int Count);

    private sealed record DecodeResult([property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text);
}
