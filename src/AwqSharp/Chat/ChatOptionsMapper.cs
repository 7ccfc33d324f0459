using System.Globalization;
using System.Text.Json;
using AwqSharp.Runtime;
using AwqSharp.Serving;
using Microsoft.Extensions.AI;
using TemplateMessage = AwqSharp.Tokenization.Templates.ChatMessage;

namespace AwqSharp.Chat;

/// <summary>Translates Microsoft.Extensions.AI messages and options into a prompt and <see cref="GenerationOptions"/>.</summary>
internal static class ChatOptionsMapper
{
    /// <summary>The conversation as the chat template sees it: <see cref="ChatOptions.Instructions"/> first as a system turn, then text-only messages.</summary>
    /// <exception cref="NotSupportedException">A message holds something other than text (an image, a function call...).</exception>
    public static List<TemplateMessage> ToTemplateMessages(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<TemplateMessage>();
        if (!string.IsNullOrEmpty(options?.Instructions)) result.Add(new TemplateMessage("system", options.Instructions));
        int index = 0;
        foreach (var message in messages)
        {
            ArgumentNullException.ThrowIfNull(message, $"messages[{index}]");
            foreach (var content in message.Contents)
            {
                if (content is TextContent or TextReasoningContent or UsageContent) continue;
                throw new NotSupportedException($"messages[{index}] holds {content.GetType().Name}; this model takes text only");
            }
            result.Add(new TemplateMessage(message.Role.Value, message.Text));
            index++;
        }
        return result;
    }

    /// <summary>The generation options of a request (see <see cref="ServingDefaults"/> for what it leaves out).</summary>
    /// <exception cref="ArgumentException">An option is out of range, or names another model.</exception>
    /// <exception cref="NotSupportedException">Tools or a structured response format were asked for.</exception>
    public static GenerationOptions ToGenerationOptions(ChatOptions? options, InferenceEngine engine, int promptTokens)
    {
        if (options?.ModelId is { } model && !string.Equals(model, engine.ModelName, StringComparison.Ordinal))
            throw new ArgumentException($"ChatOptions.ModelId '{model}' is not the model this client serves ('{engine.ModelName}')", nameof(options));
        if (options?.Tools is { Count: > 0 })
            throw new NotSupportedException("ChatOptions.Tools: tool calling is not supported");
        if (options?.ResponseFormat is { } format && format is not ChatResponseFormatText)
            throw new NotSupportedException("ChatOptions.ResponseFormat: only plain text responses are supported");
        if (options?.MaxOutputTokens is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxOutputTokens, "ChatOptions.MaxOutputTokens must be at least 1");
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? ServingDefaults.Temperature,
            TopP = options?.TopP ?? ServingDefaults.TopP,
            TopK = options?.TopK ?? 0,
            MinP = Extra(options, "min_p") ?? 0f,
            RepetitionPenalty = Extra(options, "repetition_penalty") ?? 1f,
            Seed = options?.Seed is long seed ? unchecked((ulong)seed) : ServingDefaults.NewSeed(),
        };
        var generation = new GenerationOptions
        {
            MaxTokens = options?.MaxOutputTokens ?? engine.DefaultMaxTokens(promptTokens),
            Sampling = sampling,
            StopStrings = options?.StopSequences?.ToArray() ?? [],
            StopOnEos = !(Flag(options, "ignore_eos") ?? false),
        };
        generation.Validate();
        return generation;
    }

    /// <summary>A boolean from <see cref="ChatOptions.AdditionalProperties"/> (ignore_eos), or null when absent.</summary>
    private static bool? Flag(ChatOptions? options, string name)
    {
        if (options?.AdditionalProperties is null || !options.AdditionalProperties.TryGetValue(name, out object? value) || value is null) return null;
        return value switch
        {
            bool b => b,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            _ => throw new ArgumentException($"ChatOptions.AdditionalProperties['{name}'] must be a boolean, not {value.GetType().Name}", nameof(options)),
        };
    }

    /// <summary>A number from <see cref="ChatOptions.AdditionalProperties"/> (min_p, repetition_penalty), or null when absent.</summary>
    private static float? Extra(ChatOptions? options, string name)
    {
        if (options?.AdditionalProperties is null || !options.AdditionalProperties.TryGetValue(name, out object? value) || value is null) return null;
        return value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            long l => l,
            decimal m => (float)m,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetSingle(),
            string s when float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float parsed) => parsed,
            _ => throw new ArgumentException($"ChatOptions.AdditionalProperties['{name}'] must be a number, not {value.GetType().Name}", nameof(options)),
        };
    }
}
