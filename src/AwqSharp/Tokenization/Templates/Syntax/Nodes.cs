namespace AwqSharp.Tokenization.Templates.Syntax;

/// <summary>Base of every syntax-tree node; <see cref="Line"/> is the 1-based template line.</summary>
internal abstract record Node(int Line);

// ---- expressions ----------------------------------------------------------------------------

internal abstract record Expr(int Line) : Node(Line);

internal sealed record ConstExpr(object? Value, int Line) : Expr(Line);
internal sealed record NameExpr(string Name, int Line) : Expr(Line);
/// <summary><c>ns.attr</c> as an assignment target.</summary>
internal sealed record NamespaceRefExpr(string Name, string Attribute, int Line) : Expr(Line);
internal sealed record GetAttrExpr(Expr Target, string Attribute, int Line) : Expr(Line);
internal sealed record GetItemExpr(Expr Target, Expr Key, int Line) : Expr(Line);
internal sealed record SliceExpr(Expr? Start, Expr? Stop, Expr? Step, int Line) : Expr(Line);
internal sealed record ListExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);
internal sealed record TupleExpr(IReadOnlyList<Expr> Items, int Line) : Expr(Line);
internal sealed record DictExpr(IReadOnlyList<(Expr Key, Expr Value)> Pairs, int Line) : Expr(Line);

internal enum UnaryOp { Neg, Pos, Not }
internal sealed record UnaryExpr(UnaryOp Op, Expr Operand, int Line) : Expr(Line);

internal enum BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow }
internal sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right, int Line) : Expr(Line);
internal sealed record AndExpr(Expr Left, Expr Right, int Line) : Expr(Line);
internal sealed record OrExpr(Expr Left, Expr Right, int Line) : Expr(Line);
internal sealed record ConcatExpr(IReadOnlyList<Expr> Parts, int Line) : Expr(Line);

internal enum CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn }
internal sealed record CompareExpr(Expr First, IReadOnlyList<(CompareOp Op, Expr Operand)> Rest, int Line) : Expr(Line);

internal sealed record CondExpr(Expr Test, Expr Then, Expr? Else, int Line) : Expr(Line);

/// <summary>Call arguments: positional, keyword, and optional <c>*args</c>/<c>**kwargs</c>.</summary>
internal sealed record CallArgs(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Keywords, Expr? DynArgs, Expr? DynKwargs)
{
    public static readonly CallArgs None = new([], [], null, null);
}

/// <summary><c>operand | name(args)</c>; <see cref="Operand"/> is null in <c>{% filter %}</c> and <c>{% set x | f %}</c>, where the body is the operand.</summary>
internal sealed record FilterExpr(Expr? Operand, string Name, CallArgs Args, int Line) : Expr(Line);
internal sealed record TestExpr(Expr Operand, string Name, CallArgs Args, int Line) : Expr(Line);
internal sealed record CallExpr(Expr Callee, CallArgs Args, int Line) : Expr(Line);

// ---- statements -----------------------------------------------------------------------------

internal abstract record Stmt(int Line) : Node(Line);

internal sealed record DataStmt(string Text, int Line) : Stmt(Line);
internal sealed record PrintStmt(Expr Value, int Line) : Stmt(Line);
internal sealed record IfStmt(IReadOnlyList<(Expr Test, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);
internal sealed record ForStmt(Expr Target, Expr Iterable, Expr? Filter, IReadOnlyList<Stmt> Body, IReadOnlyList<Stmt> Else, int Line) : Stmt(Line);
internal sealed record SetStmt(Expr Target, Expr Value, int Line) : Stmt(Line);
internal sealed record SetBlockStmt(Expr Target, FilterExpr? Filter, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
internal sealed record MacroStmt(string Name, IReadOnlyList<string> Parameters, IReadOnlyList<Expr> Defaults, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
internal sealed record FilterBlockStmt(FilterExpr Filter, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
internal sealed record WithStmt(IReadOnlyList<(Expr Target, Expr Value)> Assignments, IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
internal sealed record BreakStmt(int Line) : Stmt(Line);
internal sealed record ContinueStmt(int Line) : Stmt(Line);
/// <summary>transformers' <c>{% generation %}</c> block: renders its body unchanged (it only marks assistant tokens).</summary>
internal sealed record GenerationStmt(IReadOnlyList<Stmt> Body, int Line) : Stmt(Line);
