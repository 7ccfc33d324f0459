using System.Net;
using System.Text.Json;
using AwqSharp.Runtime;
using AwqSharp.Serving;
using AwqSharp.Tests.Infrastructure;
using AwqSharp.Tokenization.Templates;
using static AwqSharp.Tests.Serving.OpenAiHttp;

namespace AwqSharp.Tests.Serving;

/// <summary>The real server on a loopback port, spoken to over HTTP; answers are checked against <see cref="TextGenerator"/>.</summary>
[Collection("Serving")]
public sealed class OpenAiServerTests(ServingFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static GenerationOptions Sampled(ulong seed, int maxTokens, params string[] stop) => new()
    {
        MaxTokens = maxTokens,
        StopStrings = stop,
        Sampling = new SamplingOptions { Temperature = 0.9f, TopP = 0.95f, Seed = seed },
    };

    [Fact]
    public async Task ListsTheModelNamedAfterItsDirectoryAndIsHealthy()
    {
        var models = await GetAsync(fixture.Http, fixture.PlainUrl("/v1/models"));
        Assert.Equal(HttpStatusCode.OK, models.Status);
        Assert.Equal("list", models.Body.GetProperty("object").GetString());
        var card = Assert.Single(models.Body.GetProperty("data").EnumerateArray());
        Assert.Equal("stories260K", card.GetProperty("id").GetString());
        Assert.Equal("model", card.GetProperty("object").GetString());
        Assert.Equal(512, card.GetProperty("max_model_len").GetInt32());

        var one = await GetAsync(fixture.Http, fixture.ChatUrl("/v1/models/stories260K-chat"));
        Assert.Equal("stories260K-chat", one.Body.GetProperty("id").GetString());

        var health = await GetAsync(fixture.Http, fixture.PlainUrl("/health"));
        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal("ok", health.Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task GreedyCompletionFromBosIsTheModelsPublishedStory()
    {
        var reply = await PostAsync(fixture.Http, fixture.PlainUrl("/v1/completions"),
            Json(new { model = "stories260K", prompt = "", max_tokens = 40, temperature = 0 }));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/json", reply.ContentType);
        Assert.Equal("text_completion", reply.Body.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", reply.Body.GetProperty("id").GetString());
        Assert.Equal("stories260K", reply.Body.GetProperty("model").GetString());
        var choice = Assert.Single(reply.Body.GetProperty("choices").EnumerateArray());
        // Known answer published with stories260K (llama2.c): greedy decoding from BOS.
        var text = choice.GetProperty("text").GetString()!;
        Assert.True(text.Length > 80, text);
        Assert.StartsWith(text, RepoData.PublishedStory);
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        AssertUsage(reply.Body, 1, 40);
    }

    [Fact]
    public async Task CompletionsMatchTheGeneratorStreamedOrNot()
    {
        const string prompt = "The little dog";
        var ids = fixture.Plain.Tokenizer.Encode(prompt);
        foreach (var (seed, stop) in new[] { (7UL, (string[])[]), (8UL, ["."]) })
        {
            var expected = fixture.PlainReference.Complete(ids, Sampled(seed, 30, stop));
            var body = new Dictionary<string, object> { ["prompt"] = prompt, ["max_tokens"] = 30, ["temperature"] = 0.9, ["top_p"] = 0.95, ["seed"] = seed, ["stop"] = stop };
            var reply = await PostAsync(fixture.Http, fixture.PlainUrl("/v1/completions"), Json(body));
            var choice = reply.Body.GetProperty("choices")[0];
            Assert.Equal(expected.Text, choice.GetProperty("text").GetString());
            Assert.Equal(Name(expected.Finish), choice.GetProperty("finish_reason").GetString());
            AssertUsage(reply.Body, ids.Length, expected.CompletionTokens);

            body["stream"] = true;
            body["stream_options"] = new { include_usage = true };
            var stream = await StreamAsync(fixture.Http, fixture.PlainUrl("/v1/completions"), Json(body));
            Assert.True(stream.Done);
            Assert.Equal(expected.Text, stream.Text);
            Assert.Equal(Name(expected.Finish), stream.FinishReason);
            Assert.All(stream.Events, e => Assert.Equal("text_completion", e.GetProperty("object").GetString()));
            Assert.Single(stream.Events.Select(e => e.GetProperty("id").GetString()).Distinct());
            var usage = stream.Events[^1];
            Assert.Empty(usage.GetProperty("choices").EnumerateArray());
            AssertUsage(usage, ids.Length, expected.CompletionTokens);
            Assert.All(stream.Events.SkipLast(1), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("usage").ValueKind));
        }
    }

    [Fact]
    public async Task ChatRendersTheTemplateAndMatchesTheGeneratorStreamedOrNot()
    {
        var body = new Dictionary<string, object>
        {
            ["model"] = "stories260K-chat",
            ["messages"] = new object[]
            {
                new { role = "system", content = "Tell a story." },
                new { role = "user", content = new object[] { new { type = "text", text = "A cat " }, new { type = "text", text = "and a dog." } } },
            },
            ["max_tokens"] = 24, ["temperature"] = 0.9, ["top_p"] = 0.95, ["seed"] = 11,
        };
        // The template's output written out by hand: BOS once (from the template, none added by the tokenizer).
        var ids = fixture.ChatEngine.Tokenizer.Encode("<s><|system|>\nTell a story.\n<|user|>\nA cat and a dog.\n<|assistant|>\n", addSpecialTokens: false);
        Assert.Equal(1, ids.Count(id => id == fixture.ChatEngine.Tokenizer.BosTokenId));
        var expected = fixture.ChatReference.Complete(ids, Sampled(11, 24));

        var reply = await PostAsync(fixture.Http, fixture.ChatUrl("/v1/chat/completions"), Json(body));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("chat.completion", reply.Body.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", reply.Body.GetProperty("id").GetString());
        var choice = Assert.Single(reply.Body.GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(expected.Text, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(Name(expected.Finish), choice.GetProperty("finish_reason").GetString());
        AssertUsage(reply.Body, ids.Length, expected.CompletionTokens);

        body["stream"] = true;
        var stream = await StreamAsync(fixture.Http, fixture.ChatUrl("/v1/chat/completions"), Json(body));
        Assert.True(stream.Done);
        Assert.Equal(expected.Text, stream.Text);
        Assert.All(stream.Events, e => Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString()));
        var first = stream.Events[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        var last = stream.Events[^1].GetProperty("choices")[0];
        Assert.Equal(Name(expected.Finish), last.GetProperty("finish_reason").GetString());
        Assert.Empty(last.GetProperty("delta").EnumerateObject());
        Assert.All(stream.Events.SkipLast(1), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
        Assert.False(stream.Events[0].TryGetProperty("usage", out _)); // only with stream_options.include_usage
    }

    [Fact]
    public async Task ChatWithoutATemplateJoinsTheMessagesAsText()
    {
        var body = Json(new { messages = new[] { new { role = "system", content = "Once upon a time" }, new { role = "user", content = "there was a frog." } }, max_tokens = 16, temperature = 0 });
        var ids = fixture.Plain.Tokenizer.Encode("Once upon a time\n\nthere was a frog.");
        var expected = fixture.PlainReference.Complete(ids, new GenerationOptions { MaxTokens = 16, Sampling = SamplingOptions.Greedy });
        var reply = await PostAsync(fixture.Http, fixture.PlainUrl("/v1/chat/completions"), body);
        Assert.Equal(expected.Text, reply.Body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        AssertUsage(reply.Body, ids.Length, expected.CompletionTokens);
    }

    [Fact]
    public async Task EightConcurrentClientsEachGetTheTextTheyGetAlone()
    {
        static string Body(int seed, bool stream) => Json(new
        {
            messages = new[] { new { role = "user", content = "Tell me about a bird." } },
            max_tokens = 20, temperature = 1.0, seed, stream,
        });
        // A fresh engine, so its counters speak of this test alone.
        using var engine = new InferenceEngine(fixture.ChatEngine.Model, fixture.ChatEngine.Tokenizer, "stories260K-chat");
        await using var server = await ServingFixture.StartServerAsync(engine, fixture.ChatFormatter);
        var url = new Uri(server.Addresses[0], "/v1/chat/completions");
        async Task<string> Ask(int seed) => seed % 2 == 0
            ? (await StreamAsync(fixture.Http, url, Body(seed, true))).Text
            : (await PostAsync(fixture.Http, url, Body(seed, false))).Body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

        var alone = new Dictionary<int, string>();
        for (int seed = 1; seed <= 8; seed++) alone[seed] = await Ask(seed);
        Assert.True(alone.Values.Distinct().Count() >= 6, "distinct seeds should give (mostly) distinct texts");

        string[] together;
        Assert.Equal(1, engine.Counters.PeakBatch); // one at a time so far
        await using (await Blockers.StartAsync(engine, 1, maxTokens: 30000))
            together = await Task.WhenAll(Enumerable.Range(1, 8).Select(Ask)).WaitAsync(Patience);
        for (int seed = 1; seed <= 8; seed++) Assert.Equal(alone[seed], together[seed - 1]);
        Assert.True(engine.Counters.PeakBatch >= 2, "the requests never decoded together");
        Assert.Equal(16, engine.Counters.Completed);
    }

    [Fact]
    public async Task AClientThatDisconnectsMidStreamCancelsItsGeneration()
    {
        const int endless = 30001; // ignore_eos with a context of 32768: runs until cancelled
        var finished = new TaskCompletionSource<GenerationJob>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnFinished(object? _, GenerationJob job) { if (job.Options.MaxTokens == endless) finished.TrySetResult(job); }
        fixture.ChatEngine.JobFinished += OnFinished;
        try
        {
            var body = Json(new { messages = new[] { new { role = "user", content = "Go on forever." } }, max_tokens = endless, ignore_eos = true, stream = true });
            // No draining of the unread response on dispose: the connection closes at once, as a client that dies.
            using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, PooledConnectionLifetime = TimeSpan.Zero });
            using (var request = new HttpRequestMessage(HttpMethod.Post, fixture.ChatUrl("/v1/chat/completions")) { Content = new StringContent(body) })
            using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                int contentEvents = 0;
                while (contentEvents < 3 && await reader.ReadLineAsync() is { } line)
                    if (line.Contains("\"content\":\"") && !line.Contains("\"role\"")) contentEvents++;
                Assert.Equal(3, contentEvents);
            } // disposing the unfinished response closes the connection
            var job = await finished.Task.WaitAsync(Patience);
            Assert.Equal(JobOutcome.Cancelled, job.Outcome);
            Assert.InRange(job.Stats.CompletionTokens, 3, endless - 1);
        }
        finally
        {
            fixture.ChatEngine.JobFinished -= OnFinished;
        }
        // The server goes on serving.
        var next = await PostAsync(fixture.Http, fixture.ChatUrl("/v1/chat/completions"), Json(new { messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 4 }));
        Assert.Equal(HttpStatusCode.OK, next.Status);
    }

    public static TheoryData<string, string, int, string?, string?> BadRequests => new()
    {
        // endpoint, body, status, error.param, error.code
        { "chat", "{\"messages\": [", 400, null, null },
        { "chat", "", 400, null, null },
        { "chat", "[1, 2]", 400, null, null },
        { "chat", "{}", 400, "messages", null },
        { "chat", "{\"messages\": {\"role\": \"user\"}}", 400, "messages", null },
        { "chat", "{\"messages\": []}", 400, "messages", null },
        { "chat", "{\"messages\": [\"hi\"]}", 400, "messages[0]", null },
        { "chat", "{\"messages\": [{\"content\": \"hi\"}]}", 400, "messages[0].role", null },
        { "chat", "{\"messages\": [{\"role\": 3, \"content\": \"hi\"}]}", 400, "messages[0].role", null },
        { "chat", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}", 400, "messages[0].role", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400, "messages[0].content", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {}}]}]}", 400, "messages[0].content[0].type", "unsupported_parameter" },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": \"hot\"}", 400, "temperature", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": 2.5}", 400, "temperature", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_p\": 0}", 400, "top_p", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 1.5}", 400, "max_tokens", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 0}", 400, "max_tokens", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"10\"}", 400, "max_tokens", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 99999999999}", 400, "max_tokens", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"seed\": \"x\"}", 400, "seed", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stream\": \"yes\"}", 400, "stream", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": 5}", 400, "stop", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": [\"a\", 5]}", 400, "stop[1]", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}", 400, "n", "unsupported_parameter" },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\"}]}", 400, "tools", "unsupported_parameter" },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"model\": 4}", 400, "model", null },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"model\": \"gpt-4o\"}", 404, "model", "model_not_found" },
        { "chat", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 120)) + "\"}]}", 400, "messages", "context_length_exceeded" },
        { "completions", "{}", 400, "prompt", null },
        { "completions", "{\"prompt\": 12}", 400, "prompt", null },
        { "completions", "{\"prompt\": []}", 400, "prompt", null },
        { "completions", "{\"prompt\": [\"a\", \"b\"]}", 400, "prompt", "unsupported_parameter" },
        { "completions", "{\"prompt\": [1, -4]}", 400, "prompt[1]", null },
        { "completions", "{\"prompt\": [1, 9999]}", 400, "prompt", null },
        { "completions", "{\"prompt\": \"hi\", \"echo\": true}", 400, "echo", "unsupported_parameter" },
        { "completions", "{\"prompt\": \"hi\", \"model\": \"stories260K-chat\"}", 404, "model", "model_not_found" },
        { "completions", "{\"prompt\": \"" + string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 120)) + "\"}", 400, "prompt", "context_length_exceeded" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputGetsAnOpenAiErrorNamingTheField(string endpoint, string body, int status, string? param, string? code)
    {
        var url = fixture.PlainUrl(endpoint == "chat" ? "/v1/chat/completions" : "/v1/completions");
        var reply = await PostAsync(fixture.Http, url, body);
        Assert.Equal((HttpStatusCode)status, reply.Status);
        AssertError(reply, "invalid_request_error", param, code);
        // Bad input never leaves a request behind.
        Assert.Equal(0, fixture.Plain.Counters.Running + fixture.Plain.Counters.Queued);
    }

    [Fact]
    public async Task StreamingRequestsReportErrorsAsJsonBeforeTheStreamStarts()
    {
        var reply = await PostAsync(fixture.Http, fixture.PlainUrl("/v1/chat/completions"),
            "{\"stream\": true, \"messages\": [{\"role\": \"user\", \"content\": \"" + string.Concat(Enumerable.Repeat("The cat sat on the mat. ", 120)) + "\"}]}");
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        AssertError(reply, "invalid_request_error", "messages", "context_length_exceeded");
        Assert.Contains("512", reply.Body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnknownPathsMethodsAndModelsAreJsonErrors()
    {
        var path = await GetAsync(fixture.Http, fixture.PlainUrl("/v1/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, path.Status);
        AssertError(path, "invalid_request_error", null, "unknown_url");
        var method = await GetAsync(fixture.Http, fixture.PlainUrl("/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, method.Status);
        AssertError(method, "invalid_request_error", null, "method_not_allowed");
        var model = await GetAsync(fixture.Http, fixture.PlainUrl("/v1/models/llama-3"));
        Assert.Equal(HttpStatusCode.NotFound, model.Status);
        AssertError(model, "invalid_request_error", "model", "model_not_found");
    }

    [Fact]
    public async Task AnApiKeyGuardsTheApiButNotTheHealthCheck()
    {
        await using var server = await ServingFixture.StartServerAsync(fixture.Plain, fixture.PlainFormatter, apiKey: "sk-test-123", maxBody: 4096);
        var url = new Uri(server.Addresses[0], "/v1/completions");
        const string body = "{\"prompt\": \"Once\", \"max_tokens\": 2}";

        var missing = await PostAsync(fixture.Http, url, body);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        AssertError(missing, "invalid_request_error", null, "invalid_api_key");
        var wrong = await PostAsync(fixture.Http, url, body, apiKey: "sk-test-124");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        AssertError(wrong, "invalid_request_error", null, "invalid_api_key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(fixture.Http, new Uri(server.Addresses[0], "/v1/models"))).Status);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(fixture.Http, url, body, apiKey: "sk-test-123")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(fixture.Http, new Uri(server.Addresses[0], "/v1/models"), apiKey: "sk-test-123")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(fixture.Http, new Uri(server.Addresses[0], "/health"))).Status);

        var huge = await PostAsync(fixture.Http, url, "{\"prompt\": \"" + new string('a', 8192) + "\"}", apiKey: "sk-test-123");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.Status);
        AssertError(huge, "invalid_request_error", null, "request_too_large");
    }

    private static string Name(FinishReason finish) => finish == FinishReason.Stop ? "stop" : "length";

    private static void AssertUsage(JsonElement body, int prompt, int completion)
    {
        var usage = body.GetProperty("usage");
        Assert.Equal(prompt, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(completion, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(prompt + completion, usage.GetProperty("total_tokens").GetInt32());
    }

    private static void AssertError(Reply reply, string type, string? param, string? code)
    {
        Assert.Equal("application/json", reply.ContentType);
        var error = reply.Body.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (param is not null) Assert.Contains(param, error.GetProperty("message").GetString());
    }
}
