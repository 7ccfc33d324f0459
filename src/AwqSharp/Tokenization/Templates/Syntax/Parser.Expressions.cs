using AwqSharp.Tokenization.Templates.Runtime;

namespace AwqSharp.Tokenization.Templates.Syntax;

internal sealed partial class Parser
{
    private bool IsTupleEnd(string? extraEnd)
    {
        var t = Current;
        if (t.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.Eof) return true;
        if (t.IsOperator(")")) return true;
        return extraEnd is not null && t.IsName(extraEnd);
    }

    /// <summary>An expression, or a tuple when commas separate several (Jinja's parse_tuple).</summary>
    private Expr ParseTuple(bool withCondExpr = true, string? extraEnd = null, bool explicitParentheses = false)
    {
        int line = Current.Line;
        var items = new List<Expr>();
        bool isTuple = false;
        while (true)
        {
            if (items.Count > 0) ExpectOperator(",");
            if (IsTupleEnd(extraEnd)) break;
            items.Add(withCondExpr ? ParseExpression() : ParseOr());
            if (Current.IsOperator(",")) isTuple = true;
            else break;
        }
        if (!isTuple)
        {
            if (items.Count > 0) return items[0];
            if (!explicitParentheses) throw Unexpected("an expression");
        }
        return new TupleExpr(items, line);
    }

    private Expr ParseExpression()
    {
        Enter();
        try { return ParseCondExpr(); }
        finally { Leave(); }
    }

    private Expr ParseCondExpr()
    {
        int line = Current.Line;
        var expr = ParseOr();
        while (SkipName("if"))
        {
            var test = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseExpression() : null;
            expr = new CondExpr(test, expr, otherwise, line);
            line = Current.Line;
        }
        return expr;
    }

    private Expr ParseOr()
    {
        int line = Current.Line;
        var left = ParseAnd();
        while (SkipName("or")) left = new OrExpr(left, ParseAnd(), line);
        return left;
    }

    private Expr ParseAnd()
    {
        int line = Current.Line;
        var left = ParseNot();
        while (SkipName("and")) left = new AndExpr(left, ParseNot(), line);
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            int line = Next().Line;
            Enter();
            try { return new UnaryExpr(UnaryOp.Not, ParseNot(), line); }
            finally { Leave(); }
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        int line = Current.Line;
        var first = ParseMath1();
        var rest = new List<(CompareOp, Expr)>();
        while (true)
        {
            var t = Current;
            CompareOp? op = t.Kind == TokenKind.Operator
                ? t.Text switch { "==" => CompareOp.Eq, "!=" => CompareOp.Ne, "<" => CompareOp.Lt, "<=" => CompareOp.Le, ">" => CompareOp.Gt, ">=" => CompareOp.Ge, _ => null }
                : null;
            if (op is not null) Next();
            else if (t.IsName("in")) { Next(); op = CompareOp.In; }
            else if (t.IsName("not") && Peek().IsName("in")) { Next(); Next(); op = CompareOp.NotIn; }
            else break;
            rest.Add((op.Value, ParseMath1()));
        }
        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseMath1()
    {
        int line = Current.Line;
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var op = Next().Text == "+" ? BinaryOp.Add : BinaryOp.Sub;
            left = new BinaryExpr(op, left, ParseConcat(), line);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        int line = Current.Line;
        var parts = new List<Expr> { ParseMath2() };
        while (SkipOperator("~")) parts.Add(ParseMath2());
        return parts.Count == 1 ? parts[0] : new ConcatExpr(parts, line);
    }

    private Expr ParseMath2()
    {
        int line = Current.Line;
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var op = Next().Text switch { "*" => BinaryOp.Mul, "/" => BinaryOp.Div, "//" => BinaryOp.FloorDiv, _ => BinaryOp.Mod };
            left = new BinaryExpr(op, left, ParsePow(), line);
        }
        return left;
    }

    private Expr ParsePow()
    {
        int line = Current.Line;
        var left = ParseUnary(true);
        while (SkipOperator("**")) left = new BinaryExpr(BinaryOp.Pow, left, ParseUnary(true), line);
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        Enter();
        try
        {
            var t = Current;
            Expr node;
            if (t.IsOperator("-")) { Next(); node = new UnaryExpr(UnaryOp.Neg, ParseUnary(false), t.Line); }
            else if (t.IsOperator("+")) { Next(); node = new UnaryExpr(UnaryOp.Pos, ParseUnary(false), t.Line); }
            else node = ParsePrimary();
            node = ParsePostfix(node);
            return withFilter ? ParseFilterExpr(node) : node;
        }
        finally { Leave(); }
    }

    private Expr ParsePrimary()
    {
        var t = Current;
        switch (t.Kind)
        {
            case TokenKind.Name:
                Next();
                return t.Text switch
                {
                    "true" or "True" => new ConstExpr(true, t.Line),
                    "false" or "False" => new ConstExpr(false, t.Line),
                    "none" or "None" => new ConstExpr(null, t.Line),
                    _ => new NameExpr(t.Text, t.Line),
                };
            case TokenKind.String:
            {
                Next();
                var s = (string)t.Value!;
                while (Current.Kind == TokenKind.String) s += (string)Next().Value!;
                return new ConstExpr(s, t.Line);
            }
            case TokenKind.Integer or TokenKind.Float:
                Next();
                return new ConstExpr(t.Value, t.Line);
            case TokenKind.Operator when t.Text == "(":
            {
                Next();
                var inner = ParseTuple(explicitParentheses: true);
                ExpectOperator(")");
                return inner;
            }
            case TokenKind.Operator when t.Text == "[":
            {
                Next();
                var items = new List<Expr>();
                while (!Current.IsOperator("]"))
                {
                    if (items.Count > 0) ExpectOperator(",");
                    if (Current.IsOperator("]")) break;
                    items.Add(ParseExpression());
                }
                ExpectOperator("]");
                return new ListExpr(items, t.Line);
            }
            case TokenKind.Operator when t.Text == "{":
            {
                Next();
                var pairs = new List<(Expr, Expr)>();
                while (!Current.IsOperator("}"))
                {
                    if (pairs.Count > 0) ExpectOperator(",");
                    if (Current.IsOperator("}")) break;
                    var key = ParseExpression();
                    ExpectOperator(":");
                    pairs.Add((key, ParseExpression()));
                }
                ExpectOperator("}");
                return new DictExpr(pairs, t.Line);
            }
            default:
                throw Error($"unexpected {t.Describe()}", t.Line);
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator(".") || Current.IsOperator("[")) node = ParseSubscript(node);
            else if (Current.IsOperator("(")) node = new CallExpr(node, ParseCallArgs(), Current.Line);
            else return node;
        }
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            if (Current.IsOperator("|")) node = ParseFilterChain(node, startInline: false)!;
            else if (Current.IsName("is")) node = ParseTest(node);
            else if (Current.IsOperator("(")) node = new CallExpr(node, ParseCallArgs(), Current.Line);
            else return node;
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        var t = Next();
        if (t.Text == ".")
        {
            var attr = Next();
            if (attr.Kind == TokenKind.Name) return new GetAttrExpr(node, attr.Text, t.Line);
            if (attr.Kind != TokenKind.Integer) throw Error($"expected a name or number after '.', got {attr.Describe()}", attr.Line);
            return new GetItemExpr(node, new ConstExpr(attr.Value, attr.Line), t.Line);
        }
        var args = new List<Expr>();
        while (!Current.IsOperator("]"))
        {
            if (args.Count > 0) ExpectOperator(",");
            args.Add(ParseSubscribed());
        }
        ExpectOperator("]");
        return new GetItemExpr(node, args.Count == 1 ? args[0] : new TupleExpr(args, t.Line), t.Line);
    }

    private Expr ParseSubscribed()
    {
        int line = Current.Line;
        Expr? start = null;
        if (Current.IsOperator(":")) Next();
        else
        {
            var node = ParseExpression();
            if (!Current.IsOperator(":")) return node;
            Next();
            start = node;
        }
        Expr? stop = null, step = null;
        if (!Current.IsOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(",")) stop = ParseExpression();
        if (SkipOperator(":"))
            if (!Current.IsOperator("]") && !Current.IsOperator(",")) step = ParseExpression();
        return new SliceExpr(start, stop, step, line);
    }

    private CallArgs ParseCallArgs()
    {
        var open = Current;
        ExpectOperator("(");
        var positional = new List<Expr>();
        var keywords = new List<(string, Expr)>();
        Expr? dynArgs = null, dynKwargs = null;
        bool requireComma = false;
        void Ensure(bool ok) { if (!ok) throw Error("invalid syntax for function call expression", open.Line); }
        while (!Current.IsOperator(")"))
        {
            if (requireComma)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")")) break;
            }
            if (Current.IsOperator("*"))
            {
                Ensure(dynArgs is null && dynKwargs is null);
                Next();
                dynArgs = ParseExpression();
            }
            else if (Current.IsOperator("**"))
            {
                Ensure(dynKwargs is null);
                Next();
                dynKwargs = ParseExpression();
            }
            else if (Current.Kind == TokenKind.Name && Peek().IsOperator("="))
            {
                Ensure(dynKwargs is null);
                var key = Next().Text;
                Next();
                keywords.Add((key, ParseExpression()));
            }
            else
            {
                Ensure(dynArgs is null && dynKwargs is null && keywords.Count == 0);
                positional.Add(ParseExpression());
            }
            requireComma = true;
        }
        ExpectOperator(")");
        return new CallArgs(positional, keywords, dynArgs, dynKwargs);
    }

    /// <summary>One or more <c>| name(args)</c>; with <paramref name="startInline"/> the first '|' is absent (filter blocks).</summary>
    private FilterExpr? ParseFilterChain(Expr? node, bool startInline)
    {
        FilterExpr? result = null;
        while (Current.IsOperator("|") || startInline)
        {
            if (!startInline) Next();
            startInline = false;
            var nameToken = ExpectName();
            var name = nameToken.Text;
            while (SkipOperator(".")) name += "." + ExpectName().Text;
            var args = Current.IsOperator("(") ? ParseCallArgs() : CallArgs.None;
            result = new FilterExpr(result ?? node, name, args, nameToken.Line);
        }
        return result;
    }

    private Expr ParseTest(Expr node)
    {
        int line = Next().Line;
        bool negated = SkipName("not");
        var nameToken = ExpectName();
        var name = nameToken.Text;
        while (SkipOperator(".")) name += "." + ExpectName().Text;
        CallArgs args;
        var c = Current;
        if (c.IsOperator("(")) args = ParseCallArgs();
        else if ((c.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || c.IsOperator("(") || c.IsOperator("[") || c.IsOperator("{"))
                 && !c.IsName("else") && !c.IsName("or") && !c.IsName("and"))
        {
            if (c.IsName("is")) throw Error("you cannot chain multiple tests with 'is'", c.Line);
            args = new CallArgs([ParsePostfix(ParsePrimary())], [], null, null);
        }
        else args = CallArgs.None;
        Expr test = new TestExpr(node, name, args, line);
        return negated ? new UnaryExpr(UnaryOp.Not, test, line) : test;
    }
}
