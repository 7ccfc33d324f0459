namespace AwqSharp.Models;

/// <summary>
/// <c>rope_scaling</c> of config.json. Supported: none/"default", "linear" (positions divided by
/// <see cref="Factor"/>) and "llama3" (Llama-3.1's frequency-dependent scaling).
/// </summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, int OriginalMaxPositionEmbeddings = 8192)
{
    public static readonly string[] SupportedTypes = ["default", "linear", "llama3"];
}
