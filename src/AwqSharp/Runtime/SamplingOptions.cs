namespace AwqSharp.Runtime;

/// <summary>
/// How the next token is chosen. Temperature 0 is greedy (argmax). Otherwise the filters apply in
/// the order llama.cpp and transformers use: repetition penalty, top-k, top-p, min-p, then
/// temperature and a draw from the seeded generator.
/// </summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 0.8f;
    /// <summary>Keep only the k most likely tokens (0: off).</summary>
    public int TopK { get; init; }
    /// <summary>Keep the smallest set of tokens whose probability sums to at least p (1: off).</summary>
    public float TopP { get; init; } = 1f;
    /// <summary>Drop tokens less likely than min_p times the most likely one (0: off).</summary>
    public float MinP { get; init; }
    /// <summary>CTRL-style penalty on tokens already seen (1: off): positive logits divided, negative multiplied.</summary>
    public float RepetitionPenalty { get; init; } = 1f;
    /// <summary>How many of the most recent tokens the repetition penalty looks at (0: all).</summary>
    public int RepetitionWindow { get; init; } = 64;
    public ulong Seed { get; init; } = 42;

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0 };

    public void Validate()
    {
        if (Temperature < 0 || float.IsNaN(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be >= 0");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top_k must be >= 0");
        if (TopP is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1]");
        if (MinP is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "min_p must be in [0, 1]");
        if (RepetitionPenalty <= 0) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "repetition_penalty must be > 0");
    }
}
