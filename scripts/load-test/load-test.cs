// A bounded load run against a running `awq serve`: N concurrent clients each send streaming chat completions,
// one after another, until the time is up; then one summary. Loopback servers only. Not part of CI.
//
//   dotnet run scripts/load-test/load-test.cs -- --url http://127.0.0.1:8080 [--clients 32] [--seconds 30]
//        [--max-tokens 64] [--prompt "Once upon a time"] [--api-key KEY] [--json]
//
// Each request: POST /v1/chat/completions {stream: true, stream_options: {include_usage: true}, ignore_eos: true,
// max_tokens, temperature 1, a distinct seed}. It counts as an error unless the answer is 200, every event parses,
// the stream ends with data: [DONE], and the usage chunk's completion_tokens equals the content chunks received
// when the request finished by length. Requests still running at the deadline are cancelled and not counted.
#:property PublishAot=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

var options = LoadOptions.Parse(args);
var url = new Uri(options.Url);
if (!IPAddress.TryParse(url.Host, out var ip) ? url.Host != "localhost" : !IPAddress.IsLoopback(ip))
{
    Console.Error.WriteLine($"load-test: {url.Host} is not a loopback address; this script only loads a local server");
    return 2;
}

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients * 2 }) { Timeout = Timeout.InfiniteTimeSpan };
if (options.ApiKey is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", options.ApiKey);

var results = new List<RequestResult>();
var clock = Stopwatch.StartNew();
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(options.Seconds));
long nextSeed = 0;
var clients = Enumerable.Range(0, options.Clients).Select(_ => Task.Run(async () =>
{
    while (!deadline.IsCancellationRequested)
    {
        var result = await RequestResult.RunAsync(http, url, options, Interlocked.Increment(ref nextSeed), deadline.Token);
        if (result is null) break; // cut off by the deadline
        lock (results) results.Add(result);
    }
})).ToArray();
await Task.WhenAll(clients);
double elapsed = clock.Elapsed.TotalSeconds;

var ok = results.Where(r => r.Error is null).ToList();
long tokens = ok.Sum(r => (long)r.CompletionTokens);
double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
var summary = new
{
    clients = options.Clients,
    seconds = Math.Round(elapsed, 2),
    max_tokens = options.MaxTokens,
    requests = ok.Count,
    errors = results.Count - ok.Count,
    completion_tokens = tokens,
    tokens_per_second = Math.Round(tokens / elapsed, 1),
    requests_per_second = Math.Round(ok.Count / elapsed, 2),
    ttft_p50_ms = Math.Round(Percentile(ok.Select(r => r.FirstTokenMs), 0.50), 1),
    ttft_p95_ms = Math.Round(Percentile(ok.Select(r => r.FirstTokenMs), 0.95), 1),
    latency_p50_ms = Math.Round(Percentile(ok.Select(r => r.TotalMs), 0.50), 1),
    latency_p95_ms = Math.Round(Percentile(ok.Select(r => r.TotalMs), 0.95), 1),
    per_client_tokens_per_second = Math.Round(Percentile(ok.Select(r => r.CompletionTokens / Math.Max(1e-9, (r.TotalMs - r.FirstTokenMs) / 1000)), 0.50), 1),
    first_errors = results.Where(r => r.Error is not null).Select(r => r.Error).Distinct().Take(5).ToArray(),
};
if (options.Json)
{
    Console.WriteLine(JsonSerializer.Serialize(summary));
}
else
{
    Console.WriteLine($"{summary.clients} clients, {summary.seconds} s, max_tokens {summary.max_tokens}");
    Console.WriteLine($"requests: {summary.requests} ok, {summary.errors} errors ({summary.requests_per_second}/s)");
    Console.WriteLine($"tokens:   {summary.completion_tokens} generated, {summary.tokens_per_second} tokens/s in all, {summary.per_client_tokens_per_second} tokens/s per stream (median)");
    Console.WriteLine($"time to first token: p50 {summary.ttft_p50_ms} ms, p95 {summary.ttft_p95_ms} ms; whole request: p50 {summary.latency_p50_ms} ms, p95 {summary.latency_p95_ms} ms");
    foreach (var error in summary.first_errors) Console.WriteLine($"error: {error}");
}
return summary.errors == 0 && summary.requests > 0 ? 0 : 1;

sealed record LoadOptions(string Url, int Clients, int Seconds, int MaxTokens, string Prompt, string? ApiKey, bool Json)
{
    public static LoadOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--json") { json = true; continue; }
            if (!args[i].StartsWith("--") || i + 1 >= args.Length) throw new ArgumentException($"unexpected argument '{args[i]}'");
            values[args[i][2..]] = args[++i];
        }
        int Int(string name, int fallback, int max) =>
            values.TryGetValue(name, out var v) ? (int.TryParse(v, out int n) && n >= 1 && n <= max ? n : throw new ArgumentException($"--{name} must be an integer in 1..{max}")) : fallback;
        return new LoadOptions(
            values.GetValueOrDefault("url") ?? throw new ArgumentException("--url is required (the server's address, e.g. http://127.0.0.1:8080)"),
            Int("clients", 32, 1024), Int("seconds", 30, 3600), Int("max-tokens", 64, 100_000),
            values.GetValueOrDefault("prompt") ?? "Once upon a time", values.GetValueOrDefault("api-key"), json);
    }
}

sealed record RequestResult(string? Error, int CompletionTokens, double FirstTokenMs, double TotalMs)
{
    /// <summary>One streaming request; null when the deadline cut it off.</summary>
    public static async Task<RequestResult?> RunAsync(HttpClient http, Uri server, LoadOptions options, long seed, CancellationToken deadline)
    {
        var body = JsonSerializer.Serialize(new
        {
            messages = new[] { new { role = "user", content = options.Prompt } },
            max_tokens = options.MaxTokens, temperature = 1.0, seed, ignore_eos = true,
            stream = true, stream_options = new { include_usage = true },
        });
        var clock = Stopwatch.StartNew();
        double firstToken = 0;
        int contentChunks = 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/v1/chat/completions")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline);
            if (response.StatusCode != HttpStatusCode.OK)
                return Fail($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(deadline)}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline));
            bool done = false;
            int? usageTokens = null;
            string? finish = null;
            while (await reader.ReadLineAsync(deadline) is { } line)
            {
                if (line.Length == 0) continue;
                if (!line.StartsWith("data: ")) return Fail($"not an SSE data line: {line}");
                var data = line[6..];
                if (data == "[DONE]") { done = true; continue; }
                using var json = JsonDocument.Parse(data);
                var root = json.RootElement;
                if (root.TryGetProperty("error", out var error)) return Fail($"error event: {error}");
                if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object) usageTokens = usage.GetProperty("completion_tokens").GetInt32();
                foreach (var choice in root.GetProperty("choices").EnumerateArray())
                {
                    if (choice.GetProperty("delta").TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 })
                    {
                        if (contentChunks++ == 0) firstToken = clock.Elapsed.TotalMilliseconds;
                    }
                    if (choice.GetProperty("finish_reason").ValueKind == JsonValueKind.String) finish = choice.GetProperty("finish_reason").GetString();
                }
            }
            if (!done) return Fail("the stream ended without data: [DONE]");
            if (usageTokens is not int tokens) return Fail("no usage chunk");
            if (finish == "length" && tokens != options.MaxTokens) return Fail($"finish_reason length after {tokens} tokens, max_tokens {options.MaxTokens}");
            if (contentChunks > tokens) return Fail($"{contentChunks} content chunks but {tokens} completion tokens");
            return new RequestResult(null, tokens, firstToken, clock.Elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Fail($"{ex.GetType().Name}: {ex.Message}");
        }

        RequestResult Fail(string error) => new(error, 0, 0, clock.Elapsed.TotalMilliseconds);
    }
}
