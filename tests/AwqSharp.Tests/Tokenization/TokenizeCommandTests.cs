using System.Text.Json;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Tokenization;

/// <summary>`awq tokenize`, run in-process with the console redirected.</summary>
[Collection("Console")]
public class TokenizeCommandTests
{
    // Small tokenizers only: every command run loads its tokenizer again.
    private const string Gpt2 = "data/tokenizers/gpt2/tokenizer.json";
    private const string Llama2 = "data/tokenizers/llama-2-7b-chat-hf/tokenizer.json";

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int code = await AwqSharp.Cli.Program.Main(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private static JsonElement LastLineJson(string output)
    {
        string last = output.TrimEnd('\n', '\r').Split('\n')[^1];
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    private static string Dir(string file) => Path.GetDirectoryName(SharedData.Require(file))!;

    [SharedFact(Llama2)]
    public async Task JsonLastLineHasIdsAndTokens()
    {
        var (code, output, _) = await Run("tokenize", "--model", Dir(Llama2), "--text", "Hi 7", "--json");
        Assert.Equal(0, code);
        var json = LastLineJson(output);
        Assert.Equal([1, 6324, 29871, 29955], json.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["<s>", "\u2581Hi", "\u2581", "7"], json.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(4, json.GetProperty("count").GetInt32());
    }

    [SharedFact(Llama2)]
    public async Task NoSpecialLeavesOutBos()
    {
        var (code, output, _) = await Run("tokenize", "--model", Dir(Llama2), "--text", "Hello <s> world", "--no-special", "--json");
        Assert.Equal(0, code);
        var ids = LastLineJson(output).GetProperty("ids").EnumerateArray().Select(e => e.GetInt32());
        Assert.Equal([15043, 29871, 1, 29871, 3186], ids);
    }

    [SharedFact(Llama2)]
    public async Task TextOutputListsIdsAndTokens()
    {
        var (code, output, _) = await Run("tokenize", "--model", Dir(Llama2), "--text", "Hello world");
        Assert.Equal(0, code);
        Assert.Contains("ids: 1 15043 3186", output);
        Assert.Contains("▁Hello", output);
        Assert.Contains("<s>  (special)", output);
    }

    [SharedFact(Gpt2)]
    public async Task FileInputIsEncoded()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("in.txt"), "Hello world");
        var (code, output, _) = await Run("tokenize", "--model", Dir(Gpt2), "--file", dir.File("in.txt"), "--json");
        Assert.Equal(0, code);
        Assert.Equal([15496, 995], LastLineJson(output).GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    [SharedFact(Llama2)]
    public async Task DecodePrintsTheText()
    {
        var (code, output, _) = await Run("tokenize", "--model", Dir(Llama2), "--decode", "1,15043,3186");
        Assert.Equal(0, code);
        Assert.Equal("<s> Hello world", output.TrimEnd('\n', '\r'));
        (code, output, _) = await Run("tokenize", "--model", Dir(Llama2), "--decode", "1, 15043, 3186", "--no-special", "--json");
        Assert.Equal(0, code);
        Assert.Equal("Hello world", LastLineJson(output).GetProperty("text").GetString());
    }

    [Fact]
    public async Task MissingModelIsAOneLineError()
    {
        using var dir = new TempDir();
        var (code, _, err) = await Run("tokenize", "--model", dir.Path, "--text", "x");
        Assert.Equal(1, code);
        Assert.StartsWith("awq: error:", err);
        Assert.Contains("no tokenizer found", err);
    }

    [SharedFact(Llama2)]
    public async Task BadIdsAndConflictingInputsAreErrors()
    {
        var (code, _, err) = await Run("tokenize", "--model", Dir(Llama2), "--decode", "1,x");
        Assert.Equal(1, code);
        Assert.Contains("\"x\" is not a token id", err);
        (code, _, err) = await Run("tokenize", "--model", Dir(Llama2), "--text", "a", "--decode", "1");
        Assert.Equal(1, code);
        Assert.Contains("exactly one of --text, --file or --decode", err);
    }
}
