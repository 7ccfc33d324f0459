using System.Text.Json.Nodes;
using AwqSharp.Chat;
using AwqSharp.Cli.Serving;
using AwqSharp.Formats.Llama2c;
using AwqSharp.Runtime;
using AwqSharp.Serving;
using AwqSharp.Tests.Infrastructure;

namespace AwqSharp.Tests.Serving;

/// <summary>The serving and chat tests run one class at a time, sharing the models, engines and servers below.</summary>
[CollectionDefinition("Serving")]
public sealed class ServingCollection : ICollectionFixture<ServingFixture>;

/// <summary>
/// The real stories260K (imported from the repository's demo/ copy), in two directories: "stories260K" as imported
/// (no chat template, context 512), and "stories260K-chat" with a small chat template written into
/// tokenizer_config.json and a 32768-token context, so a request with ignore_eos can run for as long as a test needs
/// (a "blocker" that keeps others batched with it, or a stream to disconnect from); its generation_config.json also
/// names BOS as an end-of-sequence token, since llama2.c's stories end with BOS (EOS never comes), so its stories
/// end with finish_reason "stop". One engine and one HTTP server on a free loopback port for each.
/// </summary>
public sealed class ServingFixture : IAsyncLifetime
{
    /// <summary>The chat template of "stories260K-chat": BOS, then "&lt;|role|&gt;\ncontent\n" per message, then "&lt;|assistant|&gt;\n".</summary>
    public const string ChatTemplateSource =
        "{{ bos_token }}{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + '\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

    public const int ChatContextLength = 32768;

    private readonly TempDir _dir = new();

    public string PlainDirectory { get; private set; } = "";
    public string ChatDirectory { get; private set; } = "";
    public InferenceEngine Plain { get; private set; } = null!;
    public InferenceEngine ChatEngine { get; private set; } = null!;
    public ChatPromptFormatter PlainFormatter { get; private set; } = null!;
    public ChatPromptFormatter ChatFormatter { get; private set; } = null!;
    internal OpenAiServer PlainServer { get; private set; } = null!;
    internal OpenAiServer ChatServer { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(3) };

    /// <summary>The single-request reference: the same weights through <see cref="TextGenerator"/>.</summary>
    public TextGenerator PlainReference => new(Plain.Model, Plain.Tokenizer);
    public TextGenerator ChatReference => new(ChatEngine.Model, ChatEngine.Tokenizer);

    public Uri PlainUrl(string path) => new(PlainServer.Addresses[0], path);
    public Uri ChatUrl(string path) => new(ChatServer.Addresses[0], path);

    public async Task InitializeAsync()
    {
        PlainDirectory = Path.Combine(_dir.Path, "stories260K"); // named so: the model's name is its directory's
        Llama2cImporter.Import(RepoData.Demo("stories260K/stories260K.bin"), RepoData.Demo("stories260K/tok512.bin"), PlainDirectory);
        ChatDirectory = Path.Combine(_dir.Path, "stories260K-chat");
        CopyWithChatTemplate(PlainDirectory, ChatDirectory);

        Plain = InferenceEngine.Load(PlainDirectory);
        ChatEngine = InferenceEngine.Load(ChatDirectory);
        PlainFormatter = ChatPromptFormatter.FromModelDirectory(PlainDirectory, Plain.Tokenizer);
        ChatFormatter = ChatPromptFormatter.FromModelDirectory(ChatDirectory, ChatEngine.Tokenizer);
        PlainServer = await StartServerAsync(Plain, PlainFormatter);
        ChatServer = await StartServerAsync(ChatEngine, ChatFormatter);
    }

    /// <summary>Starts another server on a free loopback port (the caller disposes it).</summary>
    internal static Task<OpenAiServer> StartServerAsync(InferenceEngine engine, ChatPromptFormatter formatter, string? apiKey = null, long maxBody = 16 << 20) =>
        OpenAiServer.StartAsync(engine, formatter, new OpenAiServerOptions { Urls = ["http://127.0.0.1:0"], ApiKey = apiKey, MaxRequestBodyBytes = maxBody, Log = false });

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (PlainServer is not null) await PlainServer.DisposeAsync();
        if (ChatServer is not null) await ChatServer.DisposeAsync();
        Plain?.Dispose();
        ChatEngine?.Dispose();
        _dir.Dispose();
    }

    private static void CopyWithChatTemplate(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "tokenizer_config.json")))!.AsObject();
        tokenizerConfig["chat_template"] = ChatTemplateSource;
        tokenizerConfig["model_max_length"] = ChatContextLength;
        File.WriteAllText(Path.Combine(to, "tokenizer_config.json"), tokenizerConfig.ToJsonString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "config.json")))!.AsObject();
        config["max_position_embeddings"] = ChatContextLength;
        File.WriteAllText(Path.Combine(to, "config.json"), config.ToJsonString());
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "generation_config.json")))!.AsObject();
        generation["eos_token_id"] = new JsonArray(2, 1);
        File.WriteAllText(Path.Combine(to, "generation_config.json"), generation.ToJsonString());
    }
}
