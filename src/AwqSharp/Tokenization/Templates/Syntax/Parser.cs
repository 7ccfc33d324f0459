using System.Runtime.CompilerServices;
using AwqSharp.Tokenization.Templates.Runtime;

namespace AwqSharp.Tokenization.Templates.Syntax;

/// <summary>
/// Recursive-descent parser with Jinja2's grammar and operator precedence (parser.py): statements
/// if/elif/else, for (with target tuples, inline <c>if</c> filter and <c>else</c>), set (plain, tuple,
/// namespace attribute, block with filter), macro, filter blocks, with, break/continue and transformers'
/// generation block. Anything else is rejected here with a <see cref="TemplateException"/> naming it.
/// </summary>
internal sealed partial class Parser
{
    private static readonly HashSet<string> UnsupportedTags =
        ["block", "extends", "include", "import", "from", "autoescape", "call", "endblock", "endcall", "endautoescape", "trans", "pluralize", "endtrans"];

    private readonly List<Token> _tokens;
    private readonly int _maxDepth;
    private int _index;
    private int _depth;
    private int _loopDepth;

    private Parser(List<Token> tokens, int maxDepth)
    {
        _tokens = tokens;
        _maxDepth = maxDepth;
    }

    public static IReadOnlyList<Stmt> Parse(string source, TemplateLimits limits)
    {
        var parser = new Parser(Lexer.Tokenize(source), limits.MaxDepth);
        try
        {
            var body = parser.SubParse(null);
            NameValidator.Validate(body, limits.MaxDepth);
            return body;
        }
        catch (InsufficientExecutionStackException)
        {
            throw new TemplateException(TemplateErrorKind.Limit, "template nested too deeply", parser.Current.Line);
        }
    }

    private Token Current => _tokens[_index];
    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Next()
    {
        var t = _tokens[_index];
        if (_index < _tokens.Count - 1) _index++;
        return t;
    }

    private static TemplateException Error(string message, int line) => new(TemplateErrorKind.Syntax, message, line);

    private TemplateException Unexpected(string expected) =>
        Error($"expected {expected}, got {Current.Describe()}", Current.Line);

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind) throw Unexpected(what);
        return Next();
    }

    private void ExpectOperator(string op)
    {
        if (!Current.IsOperator(op)) throw Unexpected($"'{op}'");
        Next();
    }

    private Token ExpectName(string? name = null)
    {
        if (Current.Kind != TokenKind.Name || (name is not null && Current.Text != name)) throw Unexpected(name is null ? "a name" : $"'{name}'");
        return Next();
    }

    private bool SkipOperator(string op)
    {
        if (!Current.IsOperator(op)) return false;
        Next();
        return true;
    }

    private bool SkipName(string name)
    {
        if (!Current.IsName(name)) return false;
        Next();
        return true;
    }

    private void Enter()
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (++_depth > _maxDepth) throw new TemplateException(TemplateErrorKind.Limit, $"template nested deeper than {_maxDepth} levels", Current.Line);
    }

    private void Leave() => _depth--;

    // ---- statements ---------------------------------------------------------------------------

    /// <summary>Parses until a block tag whose name is in <paramref name="endTags"/> (left as the current token) or the end.</summary>
    private List<Stmt> SubParse(string[]? endTags)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var t = Current;
            switch (t.Kind)
            {
                case TokenKind.Data:
                    Next();
                    body.Add(new DataStmt(t.Text, t.Line));
                    break;
                case TokenKind.VariableBegin:
                    Next();
                    body.Add(new PrintStmt(ParseTuple(), t.Line));
                    Expect(TokenKind.VariableEnd, "'}}'");
                    break;
                case TokenKind.BlockBegin:
                    Next();
                    if (endTags is not null && Current.Kind == TokenKind.Name && Array.IndexOf(endTags, Current.Text) >= 0)
                        return body;
                    body.Add(ParseStatement());
                    Expect(TokenKind.BlockEnd, "'%}'");
                    break;
                case TokenKind.Eof:
                    if (endTags is not null)
                        throw Error($"unexpected end of template: expected {string.Join(" or ", endTags.Select(e => $"'{{% {e} %}}'"))}", t.Line);
                    return body;
                default:
                    throw Error($"unexpected {t.Describe()}", t.Line);
            }
        }
    }

    /// <summary>The body of a block statement: the rest of the opening tag must be '%}'.</summary>
    private List<Stmt> ParseBody(params string[] endTags)
    {
        SkipOperator(":");
        Expect(TokenKind.BlockEnd, "'%}'");
        return SubParse(endTags);
    }

    private Stmt ParseStatement()
    {
        var t = Current;
        if (t.Kind != TokenKind.Name) throw Error($"expected a tag name, got {t.Describe()}", t.Line);
        Enter();
        try
        {
            switch (t.Text)
            {
                case "if": return ParseIf();
                case "for": return ParseFor();
                case "set": return ParseSet();
                case "macro": return ParseMacro();
                case "filter": return ParseFilterBlock();
                case "with": return ParseWith();
                case "print":
                    Next();
                    return new PrintStmt(ParseTuple(), t.Line);
                case "generation":
                    Next();
                    var gen = ParseBody("endgeneration");
                    Next();
                    return new GenerationStmt(gen, t.Line);
                case "break" or "continue":
                    Next();
                    if (_loopDepth == 0) throw Error($"'{{% {t.Text} %}}' outside of a loop", t.Line);
                    return t.Text == "break" ? new BreakStmt(t.Line) : new ContinueStmt(t.Line);
            }
            if (UnsupportedTags.Contains(t.Text))
                throw Error($"the Jinja tag '{{% {t.Text} %}}' is not supported by this chat-template interpreter", t.Line);
            throw Error($"unknown tag '{{% {t.Text} %}}'", t.Line);
        }
        finally
        {
            Leave();
        }
    }

    private Stmt ParseIf()
    {
        int line = ExpectName("if").Line;
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        IReadOnlyList<Stmt> elseBody = [];
        while (true)
        {
            var test = ParseTuple(withCondExpr: false);
            var body = ParseBody("elif", "else", "endif");
            branches.Add((test, body));
            var tag = Next();
            if (tag.Text == "elif") continue;
            if (tag.Text == "else")
            {
                elseBody = ParseBody("endif");
                Next();
            }
            break;
        }
        return new IfStmt(branches, elseBody, line);
    }

    private Stmt ParseFor()
    {
        int line = ExpectName("for").Line;
        var target = ParseAssignTarget(extraEnd: "in", withNamespace: false);
        ExpectName("in");
        var iterable = ParseTuple(withCondExpr: false, extraEnd: "recursive");
        Expr? filter = null;
        if (SkipName("if")) filter = ParseExpression();
        if (Current.IsName("recursive"))
            throw Error("recursive for loops ('{% for ... recursive %}') are not supported by this chat-template interpreter", Current.Line);
        _loopDepth++;
        var body = ParseBody("endfor", "else");
        _loopDepth--;
        IReadOnlyList<Stmt> elseBody = [];
        if (Next().Text == "else")
        {
            elseBody = ParseBody("endfor");
            Next();
        }
        return new ForStmt(target, iterable, filter, body, elseBody, line);
    }

    private Stmt ParseSet()
    {
        int line = ExpectName("set").Line;
        var target = ParseAssignTarget(extraEnd: null, withNamespace: true);
        if (SkipOperator("="))
            return new SetStmt(target, ParseTuple(), line);
        FilterExpr? filter = Current.IsOperator("|") ? ParseFilterChain(null, startInline: false) : null;
        var body = ParseBody("endset");
        Next();
        return new SetBlockStmt(target, filter, body, line);
    }

    private Stmt ParseMacro()
    {
        int line = ExpectName("macro").Line;
        var name = ExpectName().Text;
        var parameters = new List<string>();
        var defaults = new List<Expr>();
        ExpectOperator("(");
        while (!Current.IsOperator(")"))
        {
            if (parameters.Count > 0) ExpectOperator(",");
            var p = ExpectName();
            if (SkipOperator("=")) defaults.Add(ParseExpression());
            else if (defaults.Count > 0) throw Error("non-default argument follows default argument", p.Line);
            parameters.Add(p.Text);
        }
        ExpectOperator(")");
        int savedLoops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBody("endmacro");
        _loopDepth = savedLoops;
        Next();
        return new MacroStmt(name, parameters, defaults, body, line);
    }

    private Stmt ParseFilterBlock()
    {
        int line = ExpectName("filter").Line;
        var filter = ParseFilterChain(null, startInline: true)!;
        var body = ParseBody("endfilter");
        Next();
        return new FilterBlockStmt(filter, body, line);
    }

    private Stmt ParseWith()
    {
        int line = ExpectName("with").Line;
        var assignments = new List<(Expr, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOperator(",");
            var target = ParseAssignTarget(extraEnd: null, withNamespace: false);
            ExpectOperator("=");
            assignments.Add((target, ParseExpression()));
        }
        var body = ParseBody("endwith");
        Next();
        return new WithStmt(assignments, body, line);
    }

    /// <summary>A name, <c>ns.attr</c> (with <paramref name="withNamespace"/>), or a tuple of names.</summary>
    private Expr ParseAssignTarget(string? extraEnd, bool withNamespace)
    {
        int line = Current.Line;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(extraEnd)) break;
            items.Add(ParseTargetName(withNamespace));
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count == 0) throw Unexpected("an assignment target");
            return items[0];
        }
        return new TupleExpr(items, line);
    }

    private Expr ParseTargetName(bool withNamespace)
    {
        var t = Current;
        if (t.Kind != TokenKind.Name) throw Error($"can't assign to {t.Describe()}", t.Line);
        if (t.Text is "true" or "false" or "True" or "False" or "none" or "None") throw Error($"can't assign to constant '{t.Text}'", t.Line);
        Next();
        if (withNamespace && Current.IsOperator("."))
        {
            Next();
            return new NamespaceRefExpr(t.Text, ExpectName().Text, t.Line);
        }
        return new NameExpr(t.Text, t.Line);
    }
}
