using System.Globalization;
using System.Numerics;
using System.Text;
using AwqSharp.Tokenization.Templates.Runtime;

namespace AwqSharp.Tokenization.Templates.Syntax;

/// <summary>
/// Splits a template into tokens exactly as Jinja2's lexer does in transformers' environment:
/// newlines normalized to \n, one trailing newline dropped, <c>trim_blocks</c> (the first newline after
/// a block or comment tag is removed), <c>lstrip_blocks</c> (spaces and tabs from the start of a line up to
/// a block or comment tag are removed), and the <c>-</c>/<c>+</c> whitespace-control signs.
/// </summary>
internal sealed class Lexer
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private readonly string _src;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private bool _lineStarting = true;

    private Lexer(string source) => _src = Normalize(source);

    public static List<Token> Tokenize(string source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private static string Normalize(string source)
    {
        var s = source.Replace("\r\n", "\n").Replace('\r', '\n');
        return s.EndsWith('\n') ? s[..^1] : s;
    }

    private TemplateException Error(string message, int? line = null) => new(TemplateErrorKind.Syntax, message, line ?? _line);

    private void Run()
    {
        while (_pos < _src.Length)
        {
            int tag = FindTagStart(_pos);
            if (tag < 0)
            {
                EmitData(_src[_pos..]);
                break;
            }
            char kind = _src[tag + 1];
            int after = tag + 2;
            char sign = after < _src.Length && (_src[after] == '-' || _src[after] == '+') ? _src[after] : '\0';
            if (sign != '\0') after++;
            int rawEnd = kind == '%' ? MatchRawBegin(after) : -1;

            var text = _src[_pos..tag];
            int textNewlines = CountNewlines(text);
            if (sign == '-') text = RStrip(text);
            else if (sign != '+' && kind != '{') text = LStripBlock(text);
            if (text.Length > 0) _tokens.Add(new Token(TokenKind.Data, text, text, _line));
            _line += textNewlines;

            if (rawEnd >= 0)
            {
                _line += CountNewlines(_src, after, rawEnd);
                _lineStarting = _src[rawEnd - 1] == '\n';
                _pos = rawEnd;
                LexRawBody();
                continue;
            }
            _pos = after;
            _lineStarting = false;
            switch (kind)
            {
                case '#': LexComment(); break;
                case '%': LexTag(TokenKind.BlockBegin, TokenKind.BlockEnd); break;
                default: LexTag(TokenKind.VariableBegin, TokenKind.VariableEnd); break;
            }
        }
        _tokens.Add(new Token(TokenKind.Eof, "", null, _line));
    }

    private int FindTagStart(int from)
    {
        for (int i = _src.IndexOf('{', from); i >= 0 && i + 1 < _src.Length; i = _src.IndexOf('{', i + 1))
        {
            char c = _src[i + 1];
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    private void EmitData(string text)
    {
        if (text.Length > 0) _tokens.Add(new Token(TokenKind.Data, text, text, _line));
        _line += CountNewlines(text);
    }

    private static int CountNewlines(string s) => CountNewlines(s, 0, s.Length);

    private static int CountNewlines(string s, int start, int end)
    {
        int n = 0;
        for (int i = start; i < end; i++) if (s[i] == '\n') n++;
        return n;
    }

    private static string RStrip(string s)
    {
        int end = s.Length;
        while (end > 0 && PyText.IsSpace(s[end - 1])) end--;
        return s[..end];
    }

    /// <summary>lstrip_blocks: drop the whitespace between the last newline (or the start of a line) and the tag.</summary>
    private string LStripBlock(string text)
    {
        int lpos = text.LastIndexOf('\n') + 1;
        if (lpos == 0 && !_lineStarting) return text;
        if (lpos == text.Length) return text;
        for (int i = lpos; i < text.Length; i++)
            if (!PyText.IsSpace(text[i])) return text;
        return text[..lpos];
    }

    private int SkipSpace(int i)
    {
        while (i < _src.Length && PyText.IsSpace(_src[i])) i++;
        return i;
    }

    private bool At(int i, string s) => i + s.Length <= _src.Length && string.CompareOrdinal(_src, i, s, 0, s.Length) == 0;

    /// <summary>Matches <c>\s*raw\s*(-%}\s*|%})</c> at <paramref name="i"/>; returns the end or -1.</summary>
    private int MatchRawBegin(int i)
    {
        i = SkipSpace(i);
        if (!At(i, "raw")) return -1;
        i = SkipSpace(i + 3);
        if (At(i, "-%}")) return SkipSpace(i + 3);
        if (At(i, "%}")) return i + 2;
        return -1;
    }

    private void LexRawBody()
    {
        for (int tag = _src.IndexOf("{%", _pos, StringComparison.Ordinal); tag >= 0; tag = _src.IndexOf("{%", tag + 1, StringComparison.Ordinal))
        {
            int i = tag + 2;
            char sign = i < _src.Length && (_src[i] == '-' || _src[i] == '+') ? _src[i] : '\0';
            if (sign != '\0') i++;
            i = SkipSpace(i);
            if (!At(i, "endraw")) continue;
            i = SkipSpace(i + 6);
            int end;
            if (At(i, "+%}")) end = i + 3;
            else if (At(i, "-%}")) end = SkipSpace(i + 3);
            else if (At(i, "%}")) end = i + 2 < _src.Length && _src[i + 2] == '\n' ? i + 3 : i + 2;
            else continue;
            var text = _src[_pos..tag];
            int newlines = CountNewlines(text);
            if (sign == '-') text = RStrip(text);
            else if (sign != '+') text = LStripBlock(text);
            if (text.Length > 0) _tokens.Add(new Token(TokenKind.Data, text, text, _line));
            _line += newlines + CountNewlines(_src, tag, end);
            _lineStarting = _src[end - 1] == '\n';
            _pos = end;
            return;
        }
        throw Error("missing end of raw directive ({% endraw %})");
    }

    private void LexComment()
    {
        int startLine = _line;
        if (_pos >= _src.Length) return; // Jinja accepts a lone "{#" at the very end of a template
        int j = _src.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (j < 0) throw Error("missing end of comment tag '#}'", startLine);
        int end;
        if (j > _pos && _src[j - 1] == '-') end = SkipSpace(j + 2);
        else if (j > _pos && _src[j - 1] == '+') end = j + 2;
        else end = j + 2 < _src.Length && _src[j + 2] == '\n' ? j + 3 : j + 2;
        _line += CountNewlines(_src, _pos, end);
        _lineStarting = _src[end - 1] == '\n';
        _pos = end;
    }

    private void LexTag(TokenKind begin, TokenKind endKind)
    {
        int openLine = _line;
        _tokens.Add(new Token(begin, begin == TokenKind.BlockBegin ? "{%" : "{{", null, _line));
        var balance = new Stack<char>();
        while (true)
        {
            if (_pos >= _src.Length)
                throw Error($"unexpected end of template: the '{(begin == TokenKind.BlockBegin ? "{%" : "{{")}' opened on line {openLine} is never closed", openLine);
            if (balance.Count == 0 && TryTagEnd(endKind)) return;
            char c = _src[_pos];
            if (PyText.IsSpace(c))
            {
                int end = SkipSpace(_pos);
                _line += CountNewlines(_src, _pos, end);
                _pos = end;
                continue;
            }
            if (TryNumber() || TryName() || TryString()) continue;
            var op = Array.Find(Operators, o => At(_pos, o));
            if (op is null) throw Error($"unexpected character '{c}'");
            if (op is "{" or "(" or "[") balance.Push(op switch { "{" => '}', "(" => ')', _ => ']' });
            else if (op is "}" or ")" or "]")
            {
                if (balance.Count == 0) throw Error($"unexpected '{op}'");
                char expected = balance.Pop();
                if (expected != op[0]) throw Error($"unexpected '{op}', expected '{expected}'");
            }
            _tokens.Add(new Token(TokenKind.Operator, op, op, _line));
            _pos += op.Length;
        }
    }

    private bool TryTagEnd(TokenKind endKind)
    {
        int end;
        if (endKind == TokenKind.BlockEnd)
        {
            if (At(_pos, "+%}")) end = _pos + 3;
            else if (At(_pos, "-%}")) end = SkipSpace(_pos + 3);
            else if (At(_pos, "%}")) end = _pos + 2 < _src.Length && _src[_pos + 2] == '\n' ? _pos + 3 : _pos + 2;
            else return false;
        }
        else
        {
            if (At(_pos, "-}}")) end = SkipSpace(_pos + 3);
            else if (At(_pos, "}}")) end = _pos + 2;
            else return false;
        }
        _tokens.Add(new Token(endKind, endKind == TokenKind.BlockEnd ? "%}" : "}}", null, _line));
        _line += CountNewlines(_src, _pos, end);
        _lineStarting = _src[end - 1] == '\n';
        _pos = end;
        return true;
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    /// <summary>Digits with single underscores between them ((\d+_)*\d+); returns the end or -1.</summary>
    private int MatchDigits(int i)
    {
        if (i >= _src.Length || !IsDigit(_src[i])) return -1;
        while (true)
        {
            while (i < _src.Length && IsDigit(_src[i])) i++;
            if (i + 1 < _src.Length && _src[i] == '_' && IsDigit(_src[i + 1])) { i++; continue; }
            return i;
        }
    }

    private bool TryNumber()
    {
        if (!IsDigit(_src[_pos])) return false;
        int start = _pos;
        // float: digits then (.digits)? e[+-]digits | .digits ; not directly after a '.'
        if (start == 0 || _src[start - 1] != '.')
        {
            int i = MatchDigits(start);
            int frac = i < _src.Length && _src[i] == '.' ? MatchDigits(i + 1) : -1;
            int afterFrac = frac >= 0 ? frac : i;
            int exp = -1;
            if (afterFrac < _src.Length && (_src[afterFrac] == 'e' || _src[afterFrac] == 'E'))
            {
                int k = afterFrac + 1;
                if (k < _src.Length && (_src[k] == '+' || _src[k] == '-')) k++;
                exp = MatchDigits(k);
            }
            int floatEnd = exp >= 0 ? exp : frac;
            if (floatEnd >= 0)
            {
                var text = _src[start..floatEnd];
                var value = double.Parse(text.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture);
                _tokens.Add(new Token(TokenKind.Float, text, value, _line));
                _pos = floatEnd;
                return true;
            }
        }
        // integer: 0b/0o/0x prefixed, [1-9](_?\d)*, 0(_?0)*
        if (_src[start] == '0' && start + 1 < _src.Length && "bBoOxX".Contains(_src[start + 1]))
        {
            int radix = char.ToLowerInvariant(_src[start + 1]) switch { 'b' => 2, 'o' => 8, _ => 16 };
            int i = start + 2;
            int digitsStart = i;
            while (i < _src.Length)
            {
                int k = _src[i] == '_' ? i + 1 : i;
                if (k < _src.Length && DigitValue(_src[k]) is int d && d < radix) i = k + 1;
                else break;
            }
            if (i > digitsStart)
            {
                BigInteger v = 0;
                foreach (var ch in _src[digitsStart..i]) if (ch != '_') v = v * radix + DigitValue(ch)!.Value;
                AddInteger(_src[start..i], v);
                _pos = i;
                return true;
            }
        }
        {
            int i = start + 1;
            bool zero = _src[start] == '0';
            while (i < _src.Length)
            {
                int k = _src[i] == '_' ? i + 1 : i;
                if (k < _src.Length && (zero ? _src[k] == '0' : IsDigit(_src[k]))) i = k + 1;
                else break;
            }
            var text = _src[start..i];
            AddInteger(text, BigInteger.Parse(text.Replace("_", ""), CultureInfo.InvariantCulture));
            _pos = i;
            return true;
        }
    }

    private void AddInteger(string text, BigInteger value)
    {
        if (value > long.MaxValue) throw Error($"integer literal {text} is too large");
        _tokens.Add(new Token(TokenKind.Integer, text, (long)value, _line));
    }

    private static int? DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => null,
    };

    internal static bool IsNameStart(char c) => c == '_' || char.IsLetter(c);

    internal static bool IsNamePart(char c) =>
        c == '_' || char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DecimalDigitNumber;

    private bool TryName()
    {
        if (!IsNameStart(_src[_pos])) return false;
        int i = _pos + 1;
        while (i < _src.Length && IsNamePart(_src[i])) i++;
        var name = _src[_pos..i];
        _tokens.Add(new Token(TokenKind.Name, name, name, _line));
        _pos = i;
        return true;
    }

    private bool TryString()
    {
        char quote = _src[_pos];
        if (quote != '\'' && quote != '"') return false;
        int i = _pos + 1;
        while (i < _src.Length && _src[i] != quote)
            i += _src[i] == '\\' && i + 1 < _src.Length ? 2 : 1;
        if (i >= _src.Length) throw Error($"unterminated string literal starting with {quote}");
        var raw = _src[(_pos + 1)..i];
        _tokens.Add(new Token(TokenKind.String, _src[_pos..(i + 1)], Unescape(raw), _line));
        _line += CountNewlines(raw);
        _pos = i + 1;
        return true;
    }

    /// <summary>Python's <c>s.encode("ascii", "backslashreplace").decode("unicode-escape")</c>, which is what Jinja applies to literals.</summary>
    private string Unescape(string raw)
    {
        if (!raw.Contains('\\')) return raw;
        var sb = new StringBuilder(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c != '\\' || i + 1 >= raw.Length)
            {
                if (c == '\\') throw Error("string literal ends with a lone backslash");
                sb.Append(c);
                continue;
            }
            char e = raw[++i];
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case 'x': i = AppendHex(sb, raw, i, 2); break;
                case 'u': i = AppendHex(sb, raw, i, 4); break;
                case 'U': i = AppendHex(sb, raw, i, 8); break;
                case 'N': throw Error("\\N{...} escapes in string literals are not supported");
                case >= '0' and <= '7':
                {
                    int v = e - '0', n = 1;
                    while (n < 3 && i + 1 < raw.Length && raw[i + 1] is >= '0' and <= '7') { v = v * 8 + (raw[++i] - '0'); n++; }
                    sb.Append((char)v);
                    break;
                }
                default:
                    sb.Append('\\');
                    if (e > 0x7f)
                    {
                        // backslashreplace turned the character into an escape that decodes as literal text
                        int cp = PyChar.At(raw, i, out int width);
                        i += width - 1;
                        sb.Append(cp < 0x100 ? $"x{cp:x2}" : cp < 0x10000 ? $"u{cp:x4}" : $"U{cp:x8}");
                    }
                    else sb.Append(e);
                    break;
            }
        }
        return sb.ToString();
    }

    private int AppendHex(StringBuilder sb, string raw, int i, int digits)
    {
        if (i + digits >= raw.Length)
            throw Error($"truncated \\{raw[i]} escape in string literal");
        int v = 0;
        for (int k = 1; k <= digits; k++)
        {
            if (DigitValue(raw[i + k]) is not int d) throw Error($"truncated \\{raw[i]} escape in string literal");
            v = v * 16 + d;
        }
        if (v > 0x10FFFF) throw Error("illegal Unicode character escape in string literal");
        PyText.AppendCodePoint(sb, v);
        return i + digits;
    }
}
