using System.Numerics;
using System.Runtime.InteropServices;

namespace RingAttention.Cli.Npy;

/// <summary>Finds NaN and infinite float32 values, and says where they are in numpy's terms.</summary>
internal static class FiniteScan
{
    /// <summary>NaN and ±Inf, and only they, have every exponent bit set.</summary>
    private const int ExponentBits = 0x7F80_0000;

    /// <summary>The index of the first NaN or infinite element of <paramref name="values"/>, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<float, int>(values);
        var exponent = new Vector<int>(ExponentBits);
        int i = 0;

        // Vectors only find the block; the scalar loop below finds the element in it.
        for (; i <= bits.Length - Vector<int>.Count; i += Vector<int>.Count)
        {
            if (Vector.EqualsAny(new Vector<int>(bits[i..]) & exponent, exponent))
            {
                break;
            }
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & ExponentBits) == ExponentBits)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The C-order position of flat element <paramref name="index"/> in <paramref name="shape"/>, outermost axis first.</summary>
    public static long[] MultiIndex(IReadOnlyList<int> shape, long index)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var position = new long[shape.Count];
        for (int axis = shape.Count - 1; axis >= 0; axis--)
        {
            position[axis] = index % shape[axis];
            index /= shape[axis];
        }

        return position;
    }
}
