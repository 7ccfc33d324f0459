using System.Text.Json;

namespace AwqSharp.Cli.Commands;

/// <summary>The `--json` convention of every command: one JSON object (snake_case keys) on the last line of stdout.</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Write(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Options));
}
