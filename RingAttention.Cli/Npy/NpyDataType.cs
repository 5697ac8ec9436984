namespace RingAttention.Cli.Npy;

/// <summary>The element types this reader accepts, all little-endian IEEE floats.</summary>
internal enum NpyDataType
{
    /// <summary>'&lt;f2', half precision.</summary>
    Float16,

    /// <summary>'&lt;f4', single precision.</summary>
    Float32,

    /// <summary>'&lt;f8', double precision.</summary>
    Float64,
}

/// <summary>Mapping between numpy type strings ("descr") and <see cref="NpyDataType"/>.</summary>
internal static class NpyDataTypes
{
    /// <summary>The descr this writer produces.</summary>
    public const string Float32Descr = "<f4";

    /// <summary>Bytes per element.</summary>
    public static int ItemSize(NpyDataType type) => type switch
    {
        NpyDataType.Float16 => 2,
        NpyDataType.Float32 => 4,
        NpyDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown .npy data type."),
    };

    /// <summary>Parses a descr; on failure returns a one-line explanation instead.</summary>
    public static bool TryParse(string descr, out NpyDataType type, out string? problem)
    {
        type = default;
        problem = null;
        switch (descr)
        {
            case "<f2":
                type = NpyDataType.Float16;
                return true;
            case "<f4":
                type = NpyDataType.Float32;
                return true;
            case "<f8":
                type = NpyDataType.Float64;
                return true;
            default:
                problem = descr.StartsWith('>')
                    ? $"big-endian dtype '{NpyText.Printable(descr)}' is not supported; save little-endian data ('<f4', e.g. a.astype('<f4'))"
                    : $"unsupported dtype '{NpyText.Printable(descr)}'; supported: '<f4', '<f2', '<f8'";
                return false;
        }
    }
}
