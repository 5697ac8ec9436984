using System.Globalization;

namespace RingAttention.Cuda.Transport;

/// <summary>The buffer checks every GPU collective makes before it enqueues anything.</summary>
internal static class CollectiveChecks
{
    /// <summary><paramref name="whole"/> holds exactly <paramref name="size"/> blocks the size of <paramref name="block"/>, of its type.</summary>
    public static void Blocks(DeviceTensor whole, DeviceTensor block, int size, string operation)
    {
        if (whole.ElementType != block.ElementType || whole.Bytes != block.Bytes * size)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{operation} over {size} ranks needs one buffer of {size} blocks and one of a block, of one type; got {whole} and {block}."));
        }
    }

    /// <summary><paramref name="send"/> and <paramref name="receive"/> hold <paramref name="size"/> equal blocks of one type.</summary>
    public static void Equal(DeviceTensor send, DeviceTensor receive, int size, string operation)
    {
        if (send.ElementType != receive.ElementType || send.Bytes != receive.Bytes || send.Bytes % size != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{operation} over {size} ranks needs send and receive buffers of {size} equal blocks, of one type; got {send} and {receive}."));
        }
    }
}
