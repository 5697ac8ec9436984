using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RingAttention.Cuda.Distributed;
using RingAttention.Distributed;
using RingAttention.Distributed.Coordination;
using RingAttention.Interop;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// <see cref="CudaProcessGroup"/> with each rank on its own thread and its own launcher environment: the coordinator on
/// loopback, the problem agreement, the ring over the group's NCCL communicator, and a failure reaching every rank.
/// Real NCCL refuses two ranks of one process on one GPU, so these run where NCCL is the shim emulator's (CI) or where
/// there is a GPU per rank; the multi-process runs on the GPU machine are scripts/gpu-distributed.sh's.
/// </summary>
public sealed class ProcessGroupTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Ranks_of_a_process_group_give_the_virtual_rings_results(int ranks)
    {
        RequireRanks(ranks);
        RingProblem problem = TestTensors.Problem(ranks, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 48 * ranks, queryHeads: 4, keyValueHeads: 2);
        const DeviceElementType Type = DeviceElementType.BFloat16;
        var random = new Random(TestTensors.FreshSeed());
        float[] q = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount), Type);
        float[] k = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), Type);
        float[] v = HostPrecision.Round(TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount), Type);
        AttentionOutput expected;
        using (var ring = new CudaRingAttention(problem, Type, new CudaRingOptions { Context = Gpu.Context }))
        {
            expected = ring.ForwardFullSequence(q, k, v);
        }

        var sharding = new FullSequenceSharding(problem);
        float[][] qs = sharding.ShardQuery(q), ks = sharding.ShardKeyValue(k), vs = sharding.ShardKeyValue(v);
        var outputs = new float[ranks][];
        RunRanks(ranks, (rank, group) =>
        {
            Assert.Equal(rank, group.Rank);
            using CudaRingRank plan = group.CreateRingRank(problem, Type);
            using DeviceBuffer bq = HalfBuffers.Upload(qs[rank], Type, group.Device);
            using DeviceBuffer bk = HalfBuffers.Upload(ks[rank], Type, group.Device);
            using DeviceBuffer bv = HalfBuffers.Upload(vs[rank], Type, group.Device);
            using var bo = DeviceBuffer.Allocate(problem.LocalQueryElements, Type, group.Device);
            using var blse = DeviceBuffer.Allocate(problem.LocalLseElements, DeviceElementType.Float32, group.Device);
            using var stream = new CudaStream(group.Device);
            group.Guarded(() => plan.Forward(new(bq.Tensor, bk.Tensor, bv.Tensor, bo.Tensor, blse.Tensor), stream.Pointer));
            group.Synchronize(stream.Pointer);
            outputs[rank] = HalfBuffers.Download(bo, Type);
        });

        Assert.Equal(expected.Output, sharding.RestoreQuery(outputs));
    }

    [Fact]
    public void Ranks_given_different_problems_all_fail_naming_the_field_and_the_ranks()
    {
        RequireRanks(3);
        var errors = new string?[3];
        RunRanks(3, (rank, group) =>
        {
            // Rank 1 was handed fp16 and a longer sequence: every rank must refuse, naming both fields and rank 1.
            RingProblem problem = TestTensors.Problem(3, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: rank == 1 ? 192 : 96);
            DeviceElementType type = rank == 1 ? DeviceElementType.Float16 : DeviceElementType.BFloat16;
            errors[rank] = Assert.Throws<ProblemMismatchException>(() => group.CreateRingRank(problem, type)).Message;
        });

        Assert.All(errors, e => Assert.Equal(errors[0], e));
        Assert.Contains("S: ranks 0,2 96, rank 1 192", errors[0], StringComparison.Ordinal);
        Assert.Contains("dtype: ranks 0,2 BFloat16, rank 1 Float16", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_rank_that_fails_is_named_in_every_other_ranks_error_within_seconds()
    {
        RequireRanks(3);
        var seen = new RankFailure?[3];
        var took = new TimeSpan[3];
        RunRanks(3, (rank, group) =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (rank == 2)
            {
                Assert.Throws<InvalidOperationException>(() => group.Guarded(() => throw new InvalidOperationException("injected")));
            }

            // The survivors wait on a stream with nothing to do: only the failure can end their wait early, and must.
            using var stream = new CudaStream(group.Device);
            while (group.Failure is null && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(10);
            }

            RankFailedException error = Assert.Throws<RankFailedException>(() => group.Synchronize(stream.Pointer));
            seen[rank] = error.Failure;
            took[rank] = clock.Elapsed;
        });

        foreach (RankFailure? failure in seen)
        {
            Assert.NotNull(failure);
            Assert.Equal(2, failure.Rank);
            Assert.Contains("injected", failure.Message, StringComparison.Ordinal);
        }

        Assert.All(took, t => Assert.True(t < TimeSpan.FromSeconds(10), string.Create(CultureInfo.InvariantCulture, $"a rank took {t.TotalSeconds:F1} s to learn of the failure")));
    }

    [Fact]
    public void A_failure_aborts_the_communicators_a_strategy_split_for_its_groups()
    {
        RequireRanks(4);
        RingProblem ring = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 256, queryHeads: 4, keyValueHeads: 2);
        RingProblem problem = ring with { Strategy = ContextParallelStrategy.AllToAllThenRing, AllToAllSize = 2 };
        var splits = new int[4];
        var aborted = new bool[4];
        RunRanks(4, (rank, group) =>
        {
            using CudaRingRank plan = group.CreateRingRank(problem, DeviceElementType.BFloat16);
            splits[rank] = plan.GroupCommunicators.Count;
            if (rank == 3)
            {
                Assert.Throws<InvalidOperationException>(() => group.Guarded(() => throw new InvalidOperationException("injected")));
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (group.Failure is null && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                Thread.Sleep(10);
            }

            // A rank waiting inside the inner all-to-all or the strided ring would wait on these, not on the group's own.
            aborted[rank] = plan.GroupCommunicators.All(c => c.IsAborted);
        });

        Assert.All(splits, count => Assert.Equal(2, count)); // the inner pair and the strided ring of two
        Assert.All(aborted, Assert.True);
    }

    /// <summary>Runs <paramref name="ranks"/> threads, each joining the same job as its rank, and rethrows the first failure.</summary>
    private static void RunRanks(int ranks, Action<int, CudaProcessGroup> body)
    {
        int port = FreePort();
        string job = "test-" + Guid.NewGuid().ToString("N");
        var failures = new Exception?[ranks];
        var threads = new Thread[ranks];
        for (int r = 0; r < ranks; r++)
        {
            int rank = r;
            threads[r] = new Thread(() =>
            {
                try
                {
                    ProcessGroupEnvironment environment = ProcessGroupEnvironment.Read(Environment(rank, ranks, port, job).GetValueOrDefault!);
                    using var group = CudaProcessGroup.Join(environment, new ProcessGroupOptions
                    {
                        JoinTimeout = TimeSpan.FromSeconds(30),
                        OperationTimeout = TimeSpan.FromSeconds(60),
                        Coordinator = new CoordinatorOptions { JoinTimeout = TimeSpan.FromSeconds(30), PeerTimeout = TimeSpan.FromSeconds(5) },
                    });
                    body(rank, group);
                }
#pragma warning disable CA1031 // Each rank's failure is collected and rethrown on the test thread.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failures[rank] = e;
                }
            });
            threads[r].Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(Deadline), "a rank did not finish within the test's deadline");
        }

        if (failures.FirstOrDefault(f => f is not null) is Exception first)
        {
            throw new InvalidOperationException("a rank failed: " + first.Message, first);
        }
    }

    /// <summary>What torchrun would give rank <paramref name="rank"/>, all ranks on GPU 0.</summary>
    private static Dictionary<string, string?> Environment(int rank, int ranks, int port, string job) => new(StringComparer.Ordinal)
    {
        ["RANK"] = rank.ToString(CultureInfo.InvariantCulture),
        ["WORLD_SIZE"] = ranks.ToString(CultureInfo.InvariantCulture),
        ["LOCAL_RANK"] = rank.ToString(CultureInfo.InvariantCulture),
        ["LOCAL_WORLD_SIZE"] = ranks.ToString(CultureInfo.InvariantCulture),
        ["MASTER_ADDR"] = "127.0.0.1",
        ["MASTER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        ["RINGATTN_JOB_ID"] = job,
        ["RINGATTN_SHARE_GPU"] = "1",
    };

    /// <summary>Skips unless NCCL can put <paramref name="ranks"/> ranks of this process somewhere: the emulator, or a GPU each.</summary>
    private static void RequireRanks(int ranks)
    {
        Gpu.Require();
        bool emulated = NativeRuntime.GetVersions().NcclRuntime == 0;
        if (!emulated)
        {
            Assert.Skip(string.Create(CultureInfo.InvariantCulture, $"GPU test skipped: real NCCL refuses {ranks} ranks of one process on one GPU; scripts/gpu-distributed.sh runs the process group as processes."));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
