namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>Receives pre-tokens one at a time, in order.</summary>
internal interface IPieceSink
{
    void Accept(in Piece piece);
}

/// <summary>Collects pieces into a list.</summary>
internal sealed class ListSink(List<Piece> items) : IPieceSink
{
    public List<Piece> Items { get; } = items;

    public void Accept(in Piece piece) => Items.Add(piece);
}

/// <summary>
/// A tokenizer.json "pre_tokenizer": splits (and may rewrite) a piece of normalized text into pre-tokens.
/// Pieces are independent, so pre-tokens stream to the sink without intermediate lists.
/// </summary>
internal abstract class PreTokenizer
{
    /// <summary>Sends the pre-tokens of <paramref name="piece"/> to <paramref name="output"/>, in order.</summary>
    public abstract void Process(in Piece piece, IPieceSink output);
}

/// <summary>"Sequence": each pre-tokenizer on the output of the previous one.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public IReadOnlyList<PreTokenizer> Steps { get; } = steps;

    public override void Process(in Piece piece, IPieceSink output)
    {
        if (Steps.Count == 0) { output.Accept(piece); return; }
        IPieceSink sink = output;
        for (int i = Steps.Count - 1; i >= 1; i--) sink = new StepSink(Steps[i], sink);
        Steps[0].Process(piece, sink);
    }

    private sealed class StepSink(PreTokenizer step, IPieceSink next) : IPieceSink
    {
        public void Accept(in Piece piece) => step.Process(piece, next);
    }
}
