using System.Globalization;

namespace RingAttention.Cli.Npy;

/// <summary>
/// A dense C-order float32 array as stored in (or read from) a .npy file: a shape and its elements, last axis
/// fastest. Whatever the file's float type, the elements are held as float32.
/// </summary>
internal sealed class NpyArray
{
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied) as an array of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the shape does not hold data.Length elements.</exception>
    public NpyArray(IReadOnlyList<int> shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        _shape = [.. shape];
        long count = ElementCountOf(_shape);
        if (count != data.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Shape {FormatShape(_shape)} holds {count} elements but the data has {data.Length}."),
                nameof(data));
        }

        Data = data;
    }

    /// <summary>The dimensions, outermost first; empty for a 0-d (scalar) array.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The elements in C order.</summary>
    public float[] Data { get; }

    /// <summary>Number of axes.</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape written as numpy prints it: (2, 3), (5,) or ().</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>Writes <paramref name="shape"/> as a Python tuple, the way numpy prints and stores shapes.</summary>
    public static string FormatShape(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)")
            : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
    }

    /// <summary>Product of the dimensions (1 for a scalar); throws if a dimension is negative.</summary>
    public static long ElementCountOf(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));

            // Past Array.MaxLength no float[] could hold it anyway; stopping there also keeps the product from overflowing.
            count = Math.Min(count * dimension, (long)Array.MaxLength + 1);
        }

        return count;
    }
}
