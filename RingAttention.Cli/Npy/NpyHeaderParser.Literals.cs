using System.Globalization;

namespace RingAttention.Cli.Npy;

/// <summary>The literal grammar: strings, integers, tuples, True and False, read one character at a time from the current offset.</summary>
internal sealed partial class NpyHeaderParser
{
    private object ParseValue()
    {
        char c = Peek();
        if (c is '\'' or '"')
        {
            return ParseString("a string");
        }

        if (c == '(')
        {
            return ParseTuple();
        }

        if (c == '-' || char.IsAsciiDigit(c))
        {
            return ParseInteger();
        }

        if (char.IsAsciiLetter(c))
        {
            int start = _position;
            while (char.IsAsciiLetterOrDigit(Peek()) || Peek() == '_')
            {
                _position++;
            }

            string word = _text[start.._position];
            return word switch
            {
                "True" => true,
                "False" => false,
                _ => throw Fail($"unexpected name '{NpyText.Printable(word)}' at offset {start} (only True and False are allowed)"),
            };
        }

        throw Fail($"expected a value at offset {_position}, found {Describe(c)}");
    }

    /// <summary>A tuple becomes a list; "(5)" is just a parenthesised integer in Python and becomes a long.</summary>
    private object ParseTuple()
    {
        Expect('(');
        SkipWhitespace();
        var items = new List<long>();
        while (Peek() != ')')
        {
            items.Add(ParseInteger());
            SkipWhitespace();
            if (Peek() == ',')
            {
                _position++;
                SkipWhitespace();
            }
            else if (Peek() == ')')
            {
                if (items.Count == 1)
                {
                    _position++;
                    return items[0];
                }
            }
            else
            {
                throw Fail($"expected ',' or ')' in a tuple at offset {_position}, found {Describe(Peek())}");
            }
        }

        Expect(')');
        return items;
    }

    private long ParseInteger()
    {
        int start = _position;
        bool negative = Peek() == '-';
        if (negative)
        {
            _position++;
        }

        int digitsStart = _position;
        while (char.IsAsciiDigit(Peek()))
        {
            _position++;
        }

        if (_position == digitsStart)
        {
            throw Fail($"expected an integer at offset {start}, found {Describe(Peek())}");
        }

        string digits = _text[digitsStart.._position];
        if (Peek() is 'L' or 'l')
        {
            // Python 2 numpy wrote long integers as 2L.
            _position++;
        }

        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long magnitude))
        {
            throw Fail($"integer {NpyText.Printable(digits)} at offset {start} is too large");
        }

        return negative ? -magnitude : magnitude;
    }

    private string ParseString(string what)
    {
        char quote = Peek();
        if (quote is not ('\'' or '"'))
        {
            throw Fail($"expected {what} at offset {_position}, found {Describe(quote)}");
        }

        int start = ++_position;
        while (_position < _text.Length && _text[_position] != quote)
        {
            char c = _text[_position];
            if (c == '\\')
            {
                throw Fail($"escape sequences in header strings are not supported (offset {_position})");
            }

            if (c is '\n' or '\r')
            {
                break;
            }

            _position++;
        }

        if (_position >= _text.Length || _text[_position] != quote)
        {
            throw Fail($"unterminated string starting at offset {start - 1}");
        }

        return _text[start.._position++];
    }

    private void Expect(char expected)
    {
        if (Peek() != expected)
        {
            throw Fail($"expected '{expected}' at offset {_position}, found {Describe(Peek())}");
        }

        _position++;
    }

    private void SkipWhitespace()
    {
        while (Peek() is ' ' or '\t' or '\n' or '\r')
        {
            _position++;
        }
    }

    /// <summary>The current character, or '\0' at the end (never part of a valid header).</summary>
    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private string Describe(char c) =>
        _position >= _text.Length ? "the end of the header" : $"'{NpyText.Printable(c.ToString())}'";
}
