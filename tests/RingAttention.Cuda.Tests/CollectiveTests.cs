using System.Globalization;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Transport;
using RingAttention.Interop;
using RingAttention.Strategies;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// The GPU collectives of the strategies against their definition (ICollectiveTransport): virtual ranks on one device
/// (<see cref="VirtualCollectiveTransport"/>) and one rank per device over NCCL (<see cref="NcclCollectiveTransport"/>),
/// each rank on its own thread. Values are small integers, exact in every type, so every sum is exact.
/// </summary>
public sealed class CollectiveTests
{
    private const int Block = 40;

    [Theory]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    public void Collectives_give_their_definition(int size, bool nccl)
    {
        Gpu.Require();
        if (nccl && NativeRuntime.DeviceCount() < size)
        {
            Assert.Skip(string.Create(CultureInfo.InvariantCulture, $"GPU test skipped: {size} NCCL ranks need {size} CUDA devices."));
        }

        using var hub = new VirtualCollectiveHub(size, TimeSpan.FromMinutes(1));
        byte[] id = nccl ? NcclCommunicator.CreateUniqueId() : [];
        var results = new float[size][][];
        Threads(size, rank =>
        {
            int device = nccl ? rank : Gpu.Context.Device;
            CudaCalls.SetDevice(device);
            using NcclCommunicator? communicator = nccl ? new NcclCommunicator(id, size, rank, device, TimeSpan.FromMinutes(1)) : null;
            using SafeCudaStreamHandle stream = CudaCalls.CreateStream();
            using var virtualRank = nccl ? null : new VirtualCollectiveTransport(hub, rank, stream, device);
            ICollectiveTransport<DeviceTensor> transport = communicator is null ? virtualRank! : new NcclCollectiveTransport(communicator, stream);
            results[rank] = RunAll(transport, device, stream);
        });

        for (int r = 0; r < size; r++)
        {
            float[][] got = results[r];
            for (int s = 0; s < size; s++)
            {
                for (int i = 0; i < Block; i++)
                {
                    Assert.Equal(Value(s, i), got[0][(s * Block) + i]);          // AllGather: block s from member s
                    Assert.Equal(Value(s, (r * Block) + i), got[3][(s * Block) + i]); // AllToAll: member s's block r
                }
            }

            for (int i = 0; i < Block; i++)
            {
                float sum = 0;
                for (int s = 0; s < size; s++)
                {
                    sum += Value(s, (r * Block) + i);
                }

                Assert.Equal(sum, got[1][i]); // ReduceScatterSum, fp32
                Assert.Equal(sum, got[2][i]); // ReduceScatterSum, bf16
            }
        }
    }

    [Fact]
    public void A_member_with_a_wrong_buffer_stops_the_others_instead_of_hanging()
    {
        Gpu.Require();
        const int Size = 3;
        using var hub = new VirtualCollectiveHub(Size, TimeSpan.FromMinutes(1));
        var failures = new Exception?[Size];
        Threads(Size, rank =>
        {
            int device = Gpu.Context.Device;
            CudaCalls.SetDevice(device);
            using SafeCudaStreamHandle stream = CudaCalls.CreateStream();
            using var transport = new VirtualCollectiveTransport(hub, rank, stream, device);
            int block = rank == 0 ? Block + 8 : Block;
            using var send = DeviceBuffer.Allocate(block, DeviceElementType.Float32, device);
            using var receive = DeviceBuffer.Allocate(Size * block, DeviceElementType.Float32, device);
            failures[rank] = Record.Exception(() => transport.AllGather(send.Tensor, receive.Tensor));
            CudaCalls.Synchronize(stream);
        });

        Assert.Contains(failures, e => e is InvalidOperationException);
        Assert.All(failures, e => Assert.True(e is InvalidOperationException or RingAbortedException, e?.ToString() ?? "no failure"));
    }

    /// <summary>Runs <paramref name="body"/> for every rank on its own thread; fails with the first rank's exception.</summary>
    private static void Threads(int size, Action<int> body)
    {
        var failures = new Exception?[size];
        Thread[] threads = [.. Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            failures[rank] = Record.Exception(() => body(rank));
        })
        { IsBackground = true })];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a rank did not finish within 2 minutes");
        }

        Assert.All(failures, Assert.Null);
    }

    /// <summary>Rank r's element i of every send buffer: small integers.</summary>
    private static float Value(int rank, int i) => (rank * 3) + (i % 5);

    private static float[][] RunAll(ICollectiveTransport<DeviceTensor> transport, int device, SafeCudaStreamHandle stream)
    {
        int size = transport.Size;
        int rank = transport.Rank;
        float[] own = [.. Enumerable.Range(0, size * Block).Select(i => Value(rank, i))];
        using var many = DeviceBuffer.Allocate(size * Block, DeviceElementType.Float32, device);
        many.Upload<float>(own);
        using DeviceBuffer manyBf16 = HalfBuffers.Upload(own, DeviceElementType.BFloat16, device);
        using var gathered = DeviceBuffer.Allocate(size * Block, DeviceElementType.Float32, device);
        using var sum = DeviceBuffer.Allocate(Block, DeviceElementType.Float32, device);
        using var sumBf16 = DeviceBuffer.Allocate(Block, DeviceElementType.BFloat16, device);
        using var exchanged = DeviceBuffer.Allocate(size * Block, DeviceElementType.Float32, device);

        transport.AllGather(many.Tensor.Slice(0, Block), gathered.Tensor);
        transport.ReduceScatterSum(many.Tensor, sum.Tensor);
        transport.ReduceScatterSum(manyBf16.Tensor, sumBf16.Tensor);
        transport.AllToAll(many.Tensor, exchanged.Tensor);
        CudaCalls.Synchronize(stream);
        return [Download(gathered), Download(sum), HalfBuffers.Download(sumBf16, DeviceElementType.BFloat16), Download(exchanged)];
    }

    private static float[] Download(DeviceBuffer buffer)
    {
        var values = new float[buffer.ElementCount];
        buffer.Download<float>(values);
        return values;
    }
}
