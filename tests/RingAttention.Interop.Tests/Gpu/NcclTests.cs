using RingAttention.Interop.Tests.Infrastructure;
using static RingAttention.Interop.NativeConstants;

namespace RingAttention.Interop.Tests.Gpu;

/// <summary>A one-rank NCCL ring: the exchange sends to itself, so the received bytes must equal the sent ones.</summary>
[Collection(GpuCollectionDefinition.Name)]
[Trait("Category", "Gpu")]
public sealed unsafe class NcclTests : GpuTestBase
{
    [Theory]
    [InlineData(RINGATTN_RING_FORWARD)]
    [InlineData(RINGATTN_RING_BACKWARD)]
    public void A_one_rank_ring_exchange_delivers_the_sent_bytes(int direction)
    {
        Requires.Gpu();
        ringattn_nccl_unique_id id = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&id));
        Assert.Contains(new ReadOnlySpan<byte>(id.bytes, 128).ToArray(), b => b != 0);

        ShimStatus.Check(NativeMethods.ringattn_nccl_comm_init(&id, 1, 0, 0, out SafeNcclCommHandle comm));
        using (comm)
        {
            int rank = -1, ranks = -1, device = -1;
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_info(comm, &rank, &ranks, &device));
            Assert.Equal((0, 1, 0), (rank, ranks, device));

            const int Count = 12_345;
            int[] sent = Enumerable.Range(0, Count).Select(i => i * 31 + direction).ToArray();
            using DeviceBuffer send = DeviceBuffer.FromHost<int>(sent, Stream);
            using DeviceBuffer receive = DeviceBuffer.Allocate<int>(Count);
            ShimStatus.Check(NativeMethods.ringattn_nccl_ring_exchange(comm, send.Pointer, receive.Pointer, Count * sizeof(int), direction, Stream));
            Assert.Equal(sent, receive.ToHost<int>(Count, Stream));

            int ncclResult = -1;
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_async_error(comm, &ncclResult));
            Assert.Equal(0, ncclResult);
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_finalize(comm));
        }

        Assert.True(comm.IsClosed);
    }

    [Fact]
    public void A_non_blocking_communicator_can_be_aborted()
    {
        Requires.Gpu();
        ringattn_nccl_unique_id id = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&id));
        ShimStatus.Check(NativeMethods.ringattn_nccl_comm_init_timeout(&id, 1, 0, 0, 30_000, out SafeNcclCommHandle comm));
        using (comm)
        {
            int ranks = 0;
            ShimStatus.Check(NativeMethods.ringattn_nccl_comm_info(comm, null, &ranks, null));
            Assert.Equal(1, ranks);
            Assert.Equal(RINGATTN_STATUS_OK, comm.Abort());
            Assert.True(comm.IsInvalid);
        }
    }

    [Fact]
    public void A_bad_rank_is_an_invalid_argument()
    {
        Requires.Gpu();
        ringattn_nccl_unique_id id = default;
        ShimStatus.Check(NativeMethods.ringattn_nccl_get_unique_id(&id));
        int status = NativeMethods.ringattn_nccl_comm_init(&id, 1, 1, 0, out SafeNcclCommHandle never);
        var error = Expect.Failure(NativeStatus.InvalidArgument, status, nameof(NativeMethods.ringattn_nccl_comm_init));
        Assert.Contains("rank 1 out of range [0, 1)", error.Message, StringComparison.Ordinal);
        Assert.True(never.IsInvalid); // nothing was created, so nothing will be destroyed
    }
}
