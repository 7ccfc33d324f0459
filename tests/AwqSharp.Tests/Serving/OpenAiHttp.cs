using System.Net;
using System.Text;
using System.Text.Json;

namespace AwqSharp.Tests.Serving;

/// <summary>Plain HTTP calls to the server as any OpenAI client makes them, and a strict reader of its server-sent events.</summary>
public static class OpenAiHttp
{
    public sealed record Reply(HttpStatusCode Status, JsonElement Body, string? ContentType);

    /// <summary>One streamed answer: the JSON of every data event, and whether the stream ended with data: [DONE].</summary>
    public sealed record Stream(HttpStatusCode Status, IReadOnlyList<JsonElement> Events, bool Done)
    {
        /// <summary>The streamed text: chat deltas' content or completion chunks' text, concatenated.</summary>
        public string Text => string.Concat(Events.SelectMany(e => e.GetProperty("choices").EnumerateArray()).Select(c =>
            c.TryGetProperty("delta", out var delta)
                ? delta.TryGetProperty("content", out var content) ? content.GetString() : ""
                : c.GetProperty("text").GetString()));

        public string? FinishReason => Events.SelectMany(e => e.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("finish_reason")).Where(f => f.ValueKind == JsonValueKind.String).Select(f => f.GetString()).SingleOrDefault();
    }

    public static async Task<Reply> PostAsync(HttpClient http, Uri url, string body, string? apiKey = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new("Bearer", apiKey);
        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    public static async Task<Reply> GetAsync(HttpClient http, Uri url, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (apiKey is not null) request.Headers.Authorization = new("Bearer", apiKey);
        using var response = await http.SendAsync(request);
        return await ReadAsync(response, default);
    }

    private static async Task<Reply> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var json = JsonDocument.Parse(text);
        return new Reply(response.StatusCode, json.RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Posts a streaming request and reads every event. Asserts the SSE framing: only "data: " lines, each followed by a blank line.</summary>
    public static async Task<Stream> StreamAsync(HttpClient http, Uri url, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<JsonElement>();
        bool done = false;
        while (await reader.ReadLineAsync() is { } line)
        {
            Assert.False(done, "nothing may follow data: [DONE]");
            Assert.StartsWith("data: ", line);
            string data = line["data: ".Length..];
            if (data == "[DONE]") done = true;
            else events.Add(JsonDocument.Parse(data).RootElement.Clone());
            Assert.Equal("", await reader.ReadLineAsync());
        }
        return new Stream(response.StatusCode, events, done);
    }

    /// <summary>A JSON request body from an anonymous object (property names as written).</summary>
    public static string Json(object body) => JsonSerializer.Serialize(body);
}
