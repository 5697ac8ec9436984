using System.Runtime.ExceptionServices;
using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>
/// Reduce-scatter and all-to-all across one rank per visible device (at most 4), each rank a thread with its own
/// communicator and stream, as the context-parallel strategies will use them. On a GPU machine with one device it is
/// a one-rank check; in CI the shim's CPU emulator shows 4 devices (FAKE_SHIM_DEVICES=4), so 4 ranks really exchange.
/// </summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class NcclCollectiveTests : GpuTestBase
{
    private const int Count = 37;

    [Theory]
    [InlineData(RINGATTN_DTYPE_FP32, false)]
    [InlineData(RINGATTN_DTYPE_FP32, true)]
    [InlineData(RINGATTN_DTYPE_BF16, false)]
    [InlineData(RINGATTN_DTYPE_FP16, true)]
    public void Reduce_scatter_gives_rank_r_the_sum_of_block_r(int dtype, bool inPlace)
    {
        Requires.Gpu();
        int ranks = Ranks();
        int elementBytes = dtype == RINGATTN_DTYPE_FP32 ? 4 : 2;
        // Small integers: exact in every dtype and in any summation order, so the check can be exact.
        float Value(int rank, int i) => (rank + 1) * (i % 7) - 3;

        float[][] received = RunRanks(ranks, (comm, rank, stream) =>
        {
            var values = new float[ranks * Count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Value(rank, i);
            }

            using DeviceBuffer send = DeviceBuffer.FromHost<byte>(Encode(values, dtype), stream);
            using DeviceBuffer separate = DeviceBuffer.Allocate<byte>(Count * elementBytes);
            byte* recv = inPlace ? (byte*)send.Pointer + ((long)rank * Count * elementBytes) : (byte*)separate.Pointer;
            ShimStatus.Check(NativeMethods.ringattn_nccl_reduce_scatter(comm, send.Pointer, recv, Count, dtype, stream));
            ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(stream));
            byte[] bytes = inPlace ? send.ToHost<byte>(ranks * Count * elementBytes, stream)[(rank * Count * elementBytes)..((rank + 1) * Count * elementBytes)]
                : separate.ToHost<byte>(Count * elementBytes, stream);
            return Decode(bytes, dtype);
        });

        for (int rank = 0; rank < ranks; rank++)
        {
            for (int i = 0; i < Count; i++)
            {
                float expected = 0;
                for (int source = 0; source < ranks; source++)
                {
                    expected += Value(source, rank * Count + i);
                }

                Assert.Equal(expected, received[rank][i]);
            }
        }
    }

    [Fact]
    public void All_to_all_sends_block_j_to_rank_j()
    {
        Requires.Gpu();
        int ranks = Ranks();
        int[][] received = RunRanks(ranks, (comm, rank, stream) =>
        {
            // Element i of the block for rank j from rank `rank`: all three are readable from the value.
            int[] blocks = Enumerable.Range(0, ranks * Count).Select(x => rank * 1_000_000 + x / Count * 1_000 + x % Count).ToArray();
            using DeviceBuffer send = DeviceBuffer.FromHost<int>(blocks, stream);
            using DeviceBuffer recv = DeviceBuffer.Allocate<int>(ranks * Count);
            ShimStatus.Check(NativeMethods.ringattn_nccl_all_to_all(comm, send.Pointer, recv.Pointer, Count * sizeof(int), stream));
            return recv.ToHost<int>(ranks * Count, stream);
        });

        for (int rank = 0; rank < ranks; rank++)
        {
            for (int source = 0; source < ranks; source++)
            {
                for (int i = 0; i < Count; i++)
                {
                    Assert.Equal(source * 1_000_000 + rank * 1_000 + i, received[rank][source * Count + i]);
                }
            }
        }
    }

    [Fact]
    public void Bad_collective_arguments_are_reported()
    {
        Requires.Gpu();
        ringattn_nccl_unique_id id = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&id));
        ShimStatus.Check(NativeMethods.ringattn_nccl_comm_init(&id, 1, 0, 0, out SafeNcclCommHandle comm));
        using (comm)
        using (DeviceBuffer buffer = DeviceBuffer.Allocate<float>(64))
        {
            var dtype = Expect.Failure(NativeStatus.InvalidArgument,
                NativeMethods.ringattn_nccl_reduce_scatter(comm, buffer.Pointer, (byte*)buffer.Pointer + 128, 4, 9, Stream), nameof(NativeMethods.ringattn_nccl_reduce_scatter));
            Assert.Contains("dtype", dtype.Message, StringComparison.Ordinal);
            var overlap = Expect.Failure(NativeStatus.InvalidArgument,
                NativeMethods.ringattn_nccl_all_to_all(comm, buffer.Pointer, (byte*)buffer.Pointer + 4, 16, Stream), nameof(NativeMethods.ringattn_nccl_all_to_all));
            Assert.Contains("overlap", overlap.Message, StringComparison.Ordinal);
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_finalize(comm));
        }
    }

    private static int Ranks() => Math.Clamp(NativeRuntime.DeviceCount(), 1, 4);

    /// <summary>Runs <paramref name="body"/> as rank r of a new communicator on device r, one thread per rank.</summary>
    private static T[] RunRanks<T>(int ranks, Func<SafeNcclCommHandle, int, SafeCudaStreamHandle, T> body)
    {
        ringattn_nccl_unique_id made = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&made));
        ringattn_nccl_unique_id id = made; // a copy the threads capture (a captured local's address cannot be taken)
        var results = new T[ranks];
        var errors = new Exception?[ranks];
        var threads = Enumerable.Range(0, ranks).Select(rank => new Thread(() =>
        {
            try
            {
                ShimStatus.Check(NativeMethods.ringattn_cuda_set_device(rank));
                ShimStatus.Check(NativeMethods.ringattn_cuda_stream_create(out SafeCudaStreamHandle stream));
                using (stream)
                {
                    ringattn_nccl_unique_id shared = id;
                    ShimStatus.Check(NativeMethods.ringattn_nccl_comm_init(&shared, ranks, rank, rank, out SafeNcclCommHandle comm));
                    using (comm)
                    {
                        results[rank] = body(comm, rank, stream);
                        ShimStatus.Check(NativeMethods.ringattn_cuda_stream_synchronize(stream));
                        ShimStatus.Check(NativeMethods.ringattn_nccl_comm_finalize(comm));
                    }
                }
            }
            catch (Exception e)
            {
                errors[rank] = e;
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        foreach (Exception? error in errors)
        {
            if (error is not null)
            {
                ExceptionDispatchInfo.Capture(error).Throw();
            }
        }

        return results;
    }

    private static byte[] Encode(float[] values, int dtype) => dtype switch
    {
        RINGATTN_DTYPE_FP32 => [.. values.SelectMany(BitConverter.GetBytes)],
        RINGATTN_DTYPE_FP16 => [.. values.SelectMany(x => BitConverter.GetBytes((Half)x))],
        _ => [.. values.SelectMany(x => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(x) >> 16)))], // exact for these values
    };

    private static float[] Decode(byte[] bytes, int dtype) => dtype switch
    {
        RINGATTN_DTYPE_FP32 => [.. Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4))],
        RINGATTN_DTYPE_FP16 => [.. Enumerable.Range(0, bytes.Length / 2).Select(i => (float)BitConverter.ToHalf(bytes, i * 2))],
        _ => [.. Enumerable.Range(0, bytes.Length / 2).Select(i => BitConverter.UInt32BitsToSingle((uint)BitConverter.ToUInt16(bytes, i * 2) << 16))],
    };
}
