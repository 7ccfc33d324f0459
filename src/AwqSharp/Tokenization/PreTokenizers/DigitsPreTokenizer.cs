using AwqSharp.Tokenization.Unicode;

namespace AwqSharp.Tokenization.PreTokenizers;

/// <summary>"Digits": isolates runs of numeric characters (Rust's char::is_numeric), or each one when individual_digits.</summary>
internal sealed class DigitsPreTokenizer(bool individualDigits) : PreTokenizer
{
    public bool IndividualDigits { get; } = individualDigits;

    public override void Process(in Piece raw, IPieceSink output)
    {
        var p = raw.Materialize();
        var span = p.Span;
        int start = 0;
        bool prevDigit = false;
        for (int i = 0; i < span.Length;)
        {
            bool digit = CharClass.Of(CharClass.CodePointAt(span, i, out int len)) == CharKind.Number;
            if (i > 0 && (digit != prevDigit || (digit && IndividualDigits)))
            {
                output.Accept(p.Slice(start, i - start));
                start = i;
            }
            prevDigit = digit;
            i += len;
        }
        if (span.Length > 0) output.Accept(p.Slice(start, span.Length - start));
    }
}
