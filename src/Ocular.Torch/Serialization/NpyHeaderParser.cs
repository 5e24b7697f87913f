using System.Globalization;
using System.Text;

namespace Ocular.Torch.Serialization;

/// <summary>
/// Parses the header of an <c>.npy</c> file: the repr of a small Python dict such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>. Only literals are accepted —
/// strings, True/False/None, integers (with Python 2's <c>L</c> suffix), tuples and lists — never
/// evaluated code. A tuple of integers becomes <c>long[]</c>; other tuples and lists <c>object?[]</c>.
/// </summary>
internal sealed class NpyHeaderParser
{
    private readonly string _text;
    private readonly string _path;
    private int _pos;

    private NpyHeaderParser(string text, string path)
    {
        _text = text;
        _path = path;
    }

    /// <summary>The dict of the header <paramref name="text"/> of file <paramref name="path"/>.</summary>
    public static Dictionary<string, object?> Parse(string text, string path)
    {
        var parser = new NpyHeaderParser(text, path);
        var dict = parser.ParseDict();
        parser.SkipSpace();
        if (parser._pos != text.Length) throw parser.Error("unexpected text after the dict");
        return dict;
    }

    private Dictionary<string, object?> ParseDict()
    {
        Expect('{');
        var dict = new Dictionary<string, object?>();
        while (true)
        {
            SkipSpace();
            if (TryTake('}')) return dict;
            var key = ParseValue() as string ?? throw Error("a key is not a string");
            SkipSpace();
            Expect(':');
            if (!dict.TryAdd(key, ParseValue())) throw Error($"the key '{key}' appears twice");
            SkipSpace();
            if (TryTake('}')) return dict;
            Expect(',');
        }
    }

    private object? ParseValue()
    {
        SkipSpace();
        if (_pos >= _text.Length) throw Error("the header ends early");
        var c = _text[_pos];
        if (c is '\'' or '"') return ParseString();
        if (c is '(' or '[') return ParseSequence();
        if (c == '{') return ParseDict();
        if (c == '-' || char.IsAsciiDigit(c)) return ParseInt();
        if (TryWord("True")) return true;
        if (TryWord("False")) return false;
        if (TryWord("None")) return null;
        throw Error($"unexpected '{c}'");
    }

    private string ParseString()
    {
        var quote = _text[_pos++];
        var text = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("a string is not closed");
            var c = _text[_pos++];
            if (c == quote) return text.ToString();
            if (c == '\\')
            {
                if (_pos >= _text.Length) throw Error("a string is not closed");
                c = _text[_pos++];
            }
            text.Append(c);
        }
    }

    private object ParseSequence()
    {
        var close = _text[_pos++] == '(' ? ')' : ']';
        var items = new List<object?>();
        while (true)
        {
            SkipSpace();
            if (TryTake(close)) break;
            items.Add(ParseValue());
            SkipSpace();
            if (TryTake(close)) break;
            Expect(',');
        }
        return close == ')' && items.All(i => i is long) ? items.Cast<long>().ToArray() : items.ToArray();
    }

    private long ParseInt()
    {
        var start = _pos;
        if (_text[_pos] == '-') _pos++;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (!long.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw Error($"'{_text[start.._pos]}' is not a 64-bit integer");
        if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++;
        return value;
    }

    private bool TryWord(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
        _pos += word.Length;
        return true;
    }

    private bool TryTake(char c)
    {
        if (_pos >= _text.Length || _text[_pos] != c) return false;
        _pos++;
        return true;
    }

    private void Expect(char c)
    {
        SkipSpace();
        if (!TryTake(c)) throw Error($"expected '{c}'");
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private InvalidDataException Error(string what) =>
        new($"{_path}: the .npy header is malformed: {what} at character {_pos} of \"{(_text.Length > 200 ? _text[..200] + "…" : _text.TrimEnd())}\"");
}
