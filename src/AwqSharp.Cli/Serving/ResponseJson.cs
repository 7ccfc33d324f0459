using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using AwqSharp.Runtime;

namespace AwqSharp.Cli.Serving;

/// <summary>
/// The response bodies of the completion endpoints, in OpenAI's shapes: <c>chat.completion</c>,
/// <c>chat.completion.chunk</c> and <c>text_completion</c>, with <c>usage</c> and <c>finish_reason</c>.
/// </summary>
internal sealed class ResponseJson(EndpointKind kind, string model, bool includeUsageField)
{
    private readonly string _id = (kind == EndpointKind.Chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N");
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>As OpenAI writes JSON: non-ASCII text and quotes as they are, not as \u escapes (the body is never HTML).</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string FinishName(FinishReason finish) => finish == FinishReason.Stop ? "stop" : "length";

    /// <summary>The whole answer of a non-streaming request.</summary>
    public byte[] Complete(string text, FinishReason finish, int promptTokens, int completionTokens) => Write(json =>
    {
        Header(json, kind == EndpointKind.Chat ? "chat.completion" : "text_completion");
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        if (kind == EndpointKind.Chat)
        {
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", text);
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text", text);
        }
        json.WriteNull("logprobs");
        json.WriteString("finish_reason", FinishName(finish));
        json.WriteEndObject();
        json.WriteEndArray();
        Usage(json, promptTokens, completionTokens);
        json.WriteEndObject();
    });

    /// <summary>The first chunk of a chat stream: the assistant role, no text yet.</summary>
    public byte[] RoleChunk() => Chunk(text: "", finish: null, role: true);

    /// <summary>A streamed piece of text, or (with <paramref name="finish"/>) the last chunk of the choice (chat: an empty delta).</summary>
    public byte[] Chunk(string text, FinishReason? finish, bool role = false) => Write(json =>
    {
        Header(json, kind == EndpointKind.Chat ? "chat.completion.chunk" : "text_completion");
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        if (kind == EndpointKind.Chat)
        {
            json.WriteStartObject("delta");
            if (role) json.WriteString("role", "assistant");
            if (role || finish is null) json.WriteString("content", text);
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text", text);
        }
        json.WriteNull("logprobs");
        if (finish is { } f) json.WriteString("finish_reason", FinishName(f));
        else json.WriteNull("finish_reason");
        json.WriteEndObject();
        json.WriteEndArray();
        if (includeUsageField) json.WriteNull("usage");
        json.WriteEndObject();
    });

    /// <summary>stream_options.include_usage: the chunk after the last one, with no choices and the token counts.</summary>
    public byte[] UsageChunk(int promptTokens, int completionTokens) => Write(json =>
    {
        Header(json, kind == EndpointKind.Chat ? "chat.completion.chunk" : "text_completion");
        json.WriteStartArray("choices");
        json.WriteEndArray();
        Usage(json, promptTokens, completionTokens);
        json.WriteEndObject();
    });

    private void Header(Utf8JsonWriter json, string type)
    {
        json.WriteStartObject();
        json.WriteString("id", _id);
        json.WriteString("object", type);
        json.WriteNumber("created", _created);
        json.WriteString("model", model);
    }

    private static void Usage(Utf8JsonWriter json, int promptTokens, int completionTokens)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", promptTokens);
        json.WriteNumber("completion_tokens", completionTokens);
        json.WriteNumber("total_tokens", promptTokens + completionTokens);
        json.WriteEndObject();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions)) body(json);
        return buffer.WrittenSpan.ToArray();
    }
}
