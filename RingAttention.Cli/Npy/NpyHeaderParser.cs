using System.Globalization;

namespace RingAttention.Cli.Npy;

/// <summary>
/// Parses the Python dict literal of a .npy header, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.
/// It accepts exactly the literal forms numpy and other writers produce (either quote style, any spacing and key
/// order, an optional trailing comma, Python 2 'L' suffixes) and nothing else: no expression is ever evaluated,
/// and anything unexpected is reported with its offset instead of being guessed at.
/// </summary>
internal sealed partial class NpyHeaderParser
{
    private const string DescrKey = "descr";
    private const string FortranOrderKey = "fortran_order";
    private const string ShapeKey = "shape";

    private readonly string _text;
    private readonly string _fileName;
    private int _position;

    private NpyHeaderParser(string text, string fileName)
    {
        _text = text;
        _fileName = fileName;
    }

    /// <summary>Parses <paramref name="text"/> (the header after the length field); throws <see cref="NpyFormatException"/>.</summary>
    public static NpyHeader Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var parser = new NpyHeaderParser(text, fileName);
        Dictionary<string, object> entries = parser.ParseDictionary();
        return parser.Interpret(entries);
    }

    private Dictionary<string, object> ParseDictionary()
    {
        SkipWhitespace();
        Expect('{');
        var entries = new Dictionary<string, object>(StringComparer.Ordinal);
        SkipWhitespace();
        while (Peek() != '}')
        {
            int keyOffset = _position;
            string key = ParseString("a quoted key");
            SkipWhitespace();
            Expect(':');
            SkipWhitespace();
            object value = ParseValue();
            if (!entries.TryAdd(key, value))
            {
                throw Fail($"duplicate key '{NpyText.Printable(key)}' at offset {keyOffset}");
            }

            SkipWhitespace();
            if (Peek() == ',')
            {
                _position++;
                SkipWhitespace();
            }
            else if (Peek() != '}')
            {
                throw Fail($"expected ',' or '}}' at offset {_position}, found {Describe(Peek())}");
            }
        }

        Expect('}');
        SkipWhitespace();
        if (_position != _text.Length)
        {
            throw Fail($"unexpected {Describe(Peek())} after the dict at offset {_position}");
        }

        return entries;
    }

    private NpyHeader Interpret(Dictionary<string, object> entries)
    {
        foreach (string required in (string[])[DescrKey, FortranOrderKey, ShapeKey])
        {
            if (!entries.ContainsKey(required))
            {
                throw Fail($"the dict has no '{required}' key");
            }
        }

        // numpy itself rejects headers with other keys, so a file carrying them was not written for numpy.
        string? extra = entries.Keys.FirstOrDefault(k => k is not (DescrKey or FortranOrderKey or ShapeKey));
        if (extra is not null)
        {
            throw Fail($"unexpected key '{NpyText.Printable(extra)}' (expected only 'descr', 'fortran_order', 'shape')");
        }

        if (entries[DescrKey] is not string descr)
        {
            throw new NpyFormatException(_fileName, $"unsupported dtype: 'descr' is {Kind(entries[DescrKey])}, not a type string such as '<f4' (structured arrays are not supported)");
        }

        if (!NpyDataTypes.TryParse(descr, out NpyDataType type, out string? typeProblem))
        {
            throw new NpyFormatException(_fileName, typeProblem!);
        }

        if (entries[FortranOrderKey] is not bool fortranOrder)
        {
            throw Fail($"'fortran_order' must be True or False, got {Kind(entries[FortranOrderKey])}");
        }

        return new NpyHeader(type, fortranOrder, InterpretShape(entries[ShapeKey]));
    }

    private int[] InterpretShape(object value)
    {
        if (value is not List<long> dimensions)
        {
            string hint = value is long single ? string.Create(CultureInfo.InvariantCulture, $" (a one-element shape is written ({single},))") : string.Empty;
            throw Fail($"'shape' must be a tuple of integers, got {Kind(value)}{hint}");
        }

        var shape = new int[dimensions.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = dimensions[i];
            if (d is < 0 or > int.MaxValue)
            {
                throw Fail($"shape dimension {i} is {d}; dimensions must lie in [0, {int.MaxValue}]");
            }

            shape[i] = (int)d;
        }

        return shape;
    }

    private static string Kind(object value) => value switch
    {
        string s => $"the string '{NpyText.Printable(s)}'",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        List<long> => "a tuple",
        _ => "an unsupported value",
    };

    private NpyFormatException Fail(string problem) => new(_fileName, "bad header dict: " + problem);
}
