using System.CommandLine;
using AwqSharp.Runtime;

namespace AwqSharp.Cli.Commands;

/// <summary>The sampling and stopping options of `generate` and `chat`.</summary>
internal sealed class SamplingCliOptions
{
    public Option<int> MaxTokens { get; } = new("--max-tokens", "-n") { Description = "tokens to generate at most", DefaultValueFactory = _ => 256 };
    public Option<float> Temperature { get; } = new("--temperature", "-t") { Description = "0 = greedy", DefaultValueFactory = _ => 0.8f };
    public Option<int> TopK { get; } = new("--top-k") { Description = "keep the k most likely tokens (0 = off)", DefaultValueFactory = _ => 40 };
    public Option<float> TopP { get; } = new("--top-p") { Description = "nucleus sampling mass (1 = off)", DefaultValueFactory = _ => 0.95f };
    public Option<float> MinP { get; } = new("--min-p") { Description = "drop tokens below min_p x the top probability (0 = off)", DefaultValueFactory = _ => 0.05f };
    public Option<float> RepetitionPenalty { get; } = new("--repetition-penalty") { Description = "penalty on recent tokens (1 = off)", DefaultValueFactory = _ => 1.0f };
    public Option<ulong> Seed { get; } = new("--seed", "-s") { Description = "random seed", DefaultValueFactory = _ => 42UL };
    public Option<string[]> Stop { get; } = new("--stop") { Description = "stop when this text appears (repeatable)", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { MaxTokens, Temperature, TopK, TopP, MinP, RepetitionPenalty, Seed, Stop }) command.Options.Add(o);
    }

    public GenerationOptions Read(ParseResult pr)
    {
        var options = new GenerationOptions
        {
            MaxTokens = pr.GetValue(MaxTokens),
            StopStrings = pr.GetValue(Stop) ?? [],
            Sampling = new SamplingOptions
            {
                Temperature = pr.GetValue(Temperature),
                TopK = pr.GetValue(TopK),
                TopP = pr.GetValue(TopP),
                MinP = pr.GetValue(MinP),
                RepetitionPenalty = pr.GetValue(RepetitionPenalty),
                Seed = pr.GetValue(Seed),
            },
        };
        options.Validate();
        return options;
    }
}
