using System.Globalization;

namespace RingAttention.Cli.Npy;

/// <summary>
/// An input holds NaN or an infinity (as float32, the type the ring computes in). Attention would spread it over
/// whole rows of every output, so it is refused up front, naming the file and the element as numpy would index it.
/// </summary>
internal sealed class NonFiniteValueException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteValueException()
    {
    }

    /// <summary>Creates the exception with a ready message.</summary>
    public NonFiniteValueException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a ready message and a cause.</summary>
    public NonFiniteValueException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Creates the exception for element <paramref name="index"/> of <paramref name="fileName"/>, which is
    /// <paramref name="value"/> as float32 and <paramref name="stored"/> as the file stores it.
    /// </summary>
    public NonFiniteValueException(string fileName, IReadOnlyList<long> index, float value, double stored)
        : base(Describe(fileName, index, value, stored))
    {
        FileName = fileName;
        Index = index;
    }

    /// <summary>The file (as the caller named it), or null when unknown.</summary>
    public string? FileName { get; }

    /// <summary>The element's position, outermost axis first; null when unknown.</summary>
    public IReadOnlyList<long>? Index { get; }

    private static string Describe(string fileName, IReadOnlyList<long> index, float value, double stored)
    {
        string at = "[" + string.Join(", ", index.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]";
        string what = float.IsNaN(value) ? "NaN" : value > 0 ? "Inf" : "-Inf";

        // A float64 file may hold a finite value beyond float32's range: say so rather than claim the file holds Inf.
        return double.IsFinite(stored)
            ? string.Create(CultureInfo.InvariantCulture, $"{fileName} holds {stored:R} at {at}, which is {what} as float32")
            : $"{fileName} holds {what} at {at}";
    }
}
