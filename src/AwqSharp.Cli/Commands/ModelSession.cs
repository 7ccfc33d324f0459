using AwqSharp.Models;
using AwqSharp.Runtime;
using AwqSharp.Tokenization;

namespace AwqSharp.Cli.Commands;

/// <summary>Loads a model directory for generation: weights, tokenizer, and a generator over them.</summary>
internal static class ModelSession
{
    public static TextGenerator Load(string dir, CancellationToken ct)
    {
        var tokenizer = TextTokenizer.Load(dir);
        var model = LlamaModel.Load(dir, cancellationToken: ct, dense: DenseStorage.KeepHalf);
        return new TextGenerator(model, tokenizer);
    }
}
