namespace AwqSharp.Tokenization.Templates.Syntax;

internal enum TokenKind
{
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One lexical token. <see cref="Value"/> is the decoded value for literals (string, long, double), the text otherwise.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, object? Value, int Line)
{
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;
    public bool IsOperator(string op) => Kind == TokenKind.Operator && Text == op;

    public string Describe() => Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.Data => "template data",
        TokenKind.VariableBegin => "'{{'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.BlockBegin => "'{%'",
        TokenKind.BlockEnd => "'%}'",
        _ => $"'{Text}'",
    };
}
