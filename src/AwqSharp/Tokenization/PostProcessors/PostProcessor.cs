namespace AwqSharp.Tokenization.PostProcessors;

/// <summary>
/// A tokenizer.json "post_processor", for a single sequence: the ids to put before and after the encoded
/// text when special tokens are requested. (Pair templates and type ids are not needed here.)
/// </summary>
internal sealed class PostProcessor
{
    public static readonly PostProcessor None = new([], []);

    public PostProcessor(int[] prefix, int[] suffix)
    {
        Prefix = prefix;
        Suffix = suffix;
    }

    /// <summary>Ids added before the text.</summary>
    public int[] Prefix { get; }

    /// <summary>Ids added after the text.</summary>
    public int[] Suffix { get; }

    /// <summary>Two processors applied one after the other (HuggingFace "Sequence").</summary>
    public PostProcessor Then(PostProcessor next) =>
        new([.. next.Prefix, .. Prefix], [.. Suffix, .. next.Suffix]);
}
