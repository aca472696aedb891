using System.Globalization;
using System.Text;

namespace EdgePrune.Core.Data;

/// <summary>
/// The dictionary in a .npy header, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.
/// numpy writes it as a Python literal (format.py, <c>_write_array_header</c>) and reads it back with
/// <c>ast.literal_eval</c>; this parser accepts the literal subset that can appear there (dicts, tuples,
/// lists, strings, integers, True/False/None) and rejects everything else with a message, never by crashing.
/// </summary>
internal sealed record NpyHeader(object Descr, bool FortranOrder, long[] Shape)
{
    private const int MaxNesting = 32;

    public static NpyHeader Parse(string text, string source)
    {
        var parser = new LiteralParser(text, source);
        object? value = parser.ParseDocument();
        if (value is not Dictionary<string, object?> dict)
        {
            throw new EdgePruneException($"{source}: the .npy header is not a dictionary: {Excerpt(text)}");
        }

        string[] expected = ["descr", "fortran_order", "shape"];
        var missing = expected.Where(k => !dict.ContainsKey(k)).ToList();
        var unexpected = dict.Keys.Where(k => !expected.Contains(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new EdgePruneException(
                $"{source}: the .npy header must have exactly the keys 'descr', 'fortran_order' and 'shape'"
                + (missing.Count > 0 ? $"; missing {string.Join(", ", missing.Select(k => $"'{k}'"))}" : "")
                + (unexpected.Count > 0 ? $"; unexpected {string.Join(", ", unexpected.Select(k => $"'{k}'"))}" : ""));
        }

        if (dict["fortran_order"] is not bool fortranOrder)
        {
            throw new EdgePruneException($"{source}: 'fortran_order' in the .npy header must be True or False");
        }

        if (dict["shape"] is not LiteralSequence { IsTuple: true } shapeTuple)
        {
            throw new EdgePruneException($"{source}: 'shape' in the .npy header must be a tuple of integers, e.g. (2, 3)");
        }

        var shape = new long[shapeTuple.Items.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (shapeTuple.Items[i] is not long dim || dim < 0)
            {
                throw new EdgePruneException($"{source}: 'shape' in the .npy header must hold non-negative integers; item {i} is {Describe(shapeTuple.Items[i])}");
            }

            shape[i] = dim;
        }

        object descr = dict["descr"] switch
        {
            string s => s,
            LiteralSequence { IsTuple: false } list => list,
            var other => throw new EdgePruneException($"{source}: 'descr' in the .npy header must be a dtype string such as '<f4', not {Describe(other)}"),
        };

        return new NpyHeader(descr, fortranOrder, shape);
    }

    internal static string Excerpt(string text) =>
        text.Length <= 80 ? $"\"{text.TrimEnd()}\"" : $"\"{text[..80]}...\"";

    private static string Describe(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        string s => $"the string '{s}'",
        LiteralSequence { IsTuple: true } => "a tuple",
        LiteralSequence => "a list",
        _ => "a dictionary",
    };

    /// <summary>A parsed Python tuple or list.</summary>
    internal sealed record LiteralSequence(bool IsTuple, List<object?> Items);

    private sealed class LiteralParser(string text, string source)
    {
        private int _pos;

        public object? ParseDocument()
        {
            object? value = ParseValue(0);
            SkipWhitespace();
            if (_pos != text.Length)
            {
                throw Error("unexpected text after the header dictionary");
            }

            return value;
        }

        private object? ParseValue(int depth)
        {
            if (depth > MaxNesting)
            {
                throw Error("the header nests too deeply");
            }

            SkipWhitespace();
            if (_pos >= text.Length)
            {
                throw Error("the header ends in the middle of a value");
            }

            char c = text[_pos];
            return c switch
            {
                '{' => ParseDict(depth),
                '(' => ParseSequence(depth, ')'),
                '[' => ParseSequence(depth, ']'),
                '\'' or '"' => ParseString(),
                '-' or '+' or (>= '0' and <= '9') => ParseInteger(),
                _ when char.IsAsciiLetter(c) => ParseName(),
                _ => throw Error($"unexpected character '{Printable(c)}'"),
            };
        }

        private Dictionary<string, object?> ParseDict(int depth)
        {
            _pos++;
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                SkipWhitespace();
                if (TryConsume('}'))
                {
                    return dict;
                }

                if (ParseValue(depth + 1) is not string key)
                {
                    throw Error("dictionary keys must be strings");
                }

                SkipWhitespace();
                if (!TryConsume(':'))
                {
                    throw Error($"expected ':' after the key '{key}'");
                }

                if (!dict.TryAdd(key, ParseValue(depth + 1)))
                {
                    throw Error($"the key '{key}' appears twice");
                }

                SkipWhitespace();
                if (!TryConsume(',') && !(_pos < text.Length && text[_pos] == '}'))
                {
                    throw Error("expected ',' or '}' in the dictionary");
                }
            }
        }

        private object? ParseSequence(int depth, char close)
        {
            _pos++;
            var items = new List<object?>();
            bool sawComma = false;
            while (true)
            {
                SkipWhitespace();
                if (TryConsume(close))
                {
                    // "(3)" is the integer 3 in Python; only "(3,)" is a one-element tuple.
                    return close == ')' && items.Count == 1 && !sawComma ? items[0] : new LiteralSequence(close == ')', items);
                }

                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                if (TryConsume(','))
                {
                    sawComma = true;
                }
                else if (!(_pos < text.Length && text[_pos] == close))
                {
                    throw Error($"expected ',' or '{close}'");
                }
            }
        }

        private string ParseString()
        {
            char quote = text[_pos++];
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length || text[_pos] is '\n' or '\r')
                {
                    throw Error("a string is not closed");
                }

                char c = text[_pos++];
                if (c == quote)
                {
                    return sb.ToString();
                }

                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }

                if (_pos >= text.Length)
                {
                    throw Error("a string is not closed");
                }

                char escaped = text[_pos++];
                switch (escaped)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '0': sb.Append('\0'); break;
                    case '\\' or '\'' or '"': sb.Append(escaped); break;
                    case 'x' when _pos + 2 <= text.Length && byte.TryParse(text.AsSpan(_pos, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b):
                        sb.Append((char)b);
                        _pos += 2;
                        break;
                    default:
                        // Python keeps unknown escapes verbatim ("\q" is backslash, q).
                        sb.Append('\\').Append(escaped);
                        break;
                }
            }
        }

        private long ParseInteger()
        {
            int start = _pos;
            if (text[_pos] is '-' or '+')
            {
                _pos++;
            }

            int digitsStart = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
            {
                _pos++;
            }

            if (_pos == digitsStart)
            {
                throw Error("expected digits after the sign");
            }

            string digits = text[start.._pos];
            // Python 2 numpy wrote shapes as longs: (3L, 4L).
            if (_pos < text.Length && text[_pos] is 'L' or 'l')
            {
                _pos++;
            }

            if (_pos < text.Length && (text[_pos] is '.' or 'e' or 'E' or 'j' or '_' || char.IsAsciiLetterOrDigit(text[_pos])))
            {
                throw Error($"only integers are allowed here, not '{digits}{Printable(text[_pos])}...'");
            }

            return long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
                ? value
                : throw Error($"the integer {digits} is too large");
        }

        private object? ParseName()
        {
            int start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_'))
            {
                _pos++;
            }

            string name = text[start.._pos];
            return name switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ => throw Error($"unexpected name '{(name.Length > 20 ? name[..20] + "..." : name)}' (only True, False and None are allowed)"),
            };
        }

        private void SkipWhitespace()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t' or '\n' or '\r')
            {
                _pos++;
            }
        }

        private bool TryConsume(char c)
        {
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private EdgePruneException Error(string problem) =>
            new($"{source}: cannot parse the .npy header at character {_pos}: {problem}; header: {Excerpt(text)}");

        private static string Printable(char c) => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString();
    }
}
