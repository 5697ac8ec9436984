using System.Text.Json;
using RingAttention.Testing;

namespace RingAttention.Cuda.Tests;

/// <summary>The device-pointer API: ordering on the caller's stream, no allocation after planning, and the timeline.</summary>
public sealed class RankApiTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_rank_level_api_matches_the_host_path_and_allocates_nothing_after_the_plan(bool packed)
    {
        Gpu.Require();
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, batch: 2, queryHeads: 4, keyValueHeads: 2);
        if (packed)
        {
            // Packed documents, a one-token one among them (a staged block), and every strategy's table read per step.
            PackedDocuments documents = PackedDocuments.Padded([1, 37, 2, 60], LoadBalancing.DualChunk, 4);
            problem = problem with { BatchSize = 1, SequenceLength = documents.TotalLength, Layout = TensorLayout.Thd, Documents = documents };
        }

        const DeviceElementType Type = DeviceElementType.BFloat16;
        var random = new Random(TestTensors.FreshSeed());
        (float[] q, float[] k, float[] v, float[] dO) = TestTensors.RoundedInputs(problem, Type, random);

        // A context of its own: tests running beside this one build graphs in the shared context, which would show up in
        // the build count this test asserts on.
        using var context = new CudaAttentionContext();
        using var ring = new CudaRingAttention(problem, Type, new CudaRingOptions { Context = context });
        AttentionOutput hostOut = ring.ForwardFullSequence(q, k, v);
        AttentionGradients hostGrad = ring.BackwardFullSequence(q, k, v, hostOut.Output, hostOut.Lse, dO);

        using var shards = new RankShards(problem, Type);
        shards.Upload(shards.Query, q, problem.GlobalQueryShape.SequenceAxis);
        shards.Upload(shards.Key, k, problem.GlobalKeyValueShape.SequenceAxis);
        shards.Upload(shards.Value, v, problem.GlobalKeyValueShape.SequenceAxis);
        shards.Upload(shards.OutputGradient, dO, problem.GlobalQueryShape.SequenceAxis);
        using var stream = new CudaStream();
        BackwardTensors<IReadOnlyList<DeviceTensor>> tensors = shards.Tensors;

        // Warm-up call, then the measured ones.
        ring.Forward(tensors.Forward, stream.Pointer);
        ring.Backward(tensors, stream.Pointer);
        GraphCacheStats before = context.GetCacheStats();

        // Counted on every thread of the process: the caller's and the rank threads that drive each virtual rank.
        long perCall = AllocationMeter.LeastBytesPerCall(
            () =>
            {
                ring.Forward(tensors.Forward, stream.Pointer);
                ring.Backward(tensors, stream.Pointer);
            },
            rounds: 3,
            calls: 5);
        GraphCacheStats after = context.GetCacheStats();
        stream.Synchronize();
        TestContext.Current.TestOutputHelper?.WriteLine($"{perCall} bytes per forward + backward, all threads");

        Assert.Equal(0, after.Builds - before.Builds);
        Assert.Equal(0, perCall);

        // Same numbers as the host path (same kernels on the same inputs, ordered on the caller's stream).
        Assert.Equal(hostOut.Output, shards.Download(shards.Output, problem.GlobalQueryShape.SequenceAxis));
        // cuDNN's default (non-deterministic) backward may sum in another order from run to run: close, not equal.
        AssertClose(hostGrad.QueryGradient, shards.Download(shards.QueryGradient, problem.GlobalQueryShape.SequenceAxis), "dQ");
        AssertClose(hostGrad.KeyGradient, shards.Download(shards.KeyGradient, problem.GlobalKeyValueShape.SequenceAxis), "dK");
        AssertClose(hostGrad.ValueGradient, shards.Download(shards.ValueGradient, problem.GlobalKeyValueShape.SequenceAxis), "dV");
        Assert.True(ring.DeviceMemoryPerRankBytes > 0);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        double error = TestTensors.RelativeError(actual, Array.ConvertAll(expected, x => (double)x), what);
        Assert.True(error < 1e-2, $"{what}: relative difference {error} between the host path and the rank-level path");
    }

    [Fact]
    public void The_timeline_has_one_compute_interval_per_step_and_one_transfer_per_exchange()
    {
        Gpu.Require();
        RingProblem problem = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.None);
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] kv = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        using var ring = new CudaRingAttention(problem, DeviceElementType.Float16, new CudaRingOptions { Context = Gpu.Context, RecordTimeline = true });

        AttentionOutput o = ring.ForwardFullSequence(q, kv, kv);
        RingTimeline forward = ring.ReadTimeline();
        for (int rank = 0; rank < 4; rank++)
        {
            // Contiguous causal shards: rank r computes on blocks 0..r only.
            Assert.Equal(rank + 1, forward.Intervals.Count(i => i.Rank == rank && i.Kind == RingTimelineKind.Compute));
            Assert.Equal(3, forward.Intervals.Count(i => i.Rank == rank && i.Kind == RingTimelineKind.Transfer));
        }

        Assert.All(forward.Intervals, i => Assert.True(i.DurationMicroseconds >= 0));

        ring.BackwardFullSequence(q, kv, kv, o.Output, o.Lse, q);
        RingTimeline backward = ring.ReadTimeline();
        Assert.Equal(4 * 6, backward.Intervals.Count(i => i.Kind == RingTimelineKind.Transfer));

        using JsonDocument trace = JsonDocument.Parse(backward.ToChromeTraceJson());
        JsonElement events = trace.RootElement.GetProperty("traceEvents");
        Assert.Equal(backward.Intervals.Count, events.GetArrayLength());
        foreach (JsonElement e in events.EnumerateArray())
        {
            Assert.Equal("X", e.GetProperty("ph").GetString());
            Assert.Contains(e.GetProperty("tid").GetString(), new[] { "compute", "transfer", "accumulate" });
        }
    }

    [Fact]
    public void A_chrome_trace_has_the_documented_shape()
    {
        var timeline = new RingTimeline(
        [
            new RingTimelineInterval(0, "forward", 0, RingTimelineKind.Compute, Backends.RingChannel.KeyValue, 0, 12.5),
            new RingTimelineInterval(1, "forward", 0, RingTimelineKind.Transfer, Backends.RingChannel.KeyValue, 1.5, 3),
        ]);

        using JsonDocument trace = JsonDocument.Parse(timeline.ToChromeTraceJson());
        JsonElement[] events = [.. trace.RootElement.GetProperty("traceEvents").EnumerateArray()];
        Assert.Equal(2, events.Length);
        Assert.Equal("forward step 0 attention", events[0].GetProperty("name").GetString());
        Assert.Equal(12.5, events[0].GetProperty("dur").GetDouble());
        Assert.Equal(0, events[0].GetProperty("pid").GetInt32());
        Assert.Equal("compute", events[0].GetProperty("tid").GetString());
        Assert.Equal(1, events[1].GetProperty("pid").GetInt32());
        Assert.Equal("transfer", events[1].GetProperty("tid").GetString());
        Assert.Equal(1.5, events[1].GetProperty("ts").GetDouble());
        Assert.Equal(3.0, timeline.TransferMicroseconds(1));
        Assert.Equal(12.5, timeline.ComputeMicroseconds(0));
    }

    [Fact]
    public void Merge_time_counts_as_exposed_only_where_no_kernel_runs()
    {
        // Kernels [0, 10) and [12, 20); merges [8, 13) (3 of its 5 beside a kernel, 2 exposed) and [20, 24) (all 4 exposed).
        var timeline = new RingTimeline(
        [
            new RingTimelineInterval(0, "forward", 0, RingTimelineKind.Compute, Backends.RingChannel.KeyValue, 0, 10),
            new RingTimelineInterval(0, "forward", 1, RingTimelineKind.Compute, Backends.RingChannel.KeyValue, 12, 8),
            new RingTimelineInterval(0, "forward", 0, RingTimelineKind.Accumulate, Backends.RingChannel.KeyValue, 8, 5),
            new RingTimelineInterval(0, "forward", 1, RingTimelineKind.Accumulate, Backends.RingChannel.KeyValue, 20, 4),
            new RingTimelineInterval(1, "forward", 0, RingTimelineKind.Accumulate, Backends.RingChannel.KeyValue, 0, 100),
        ]);

        Assert.Equal(9.0, timeline.AccumulateMicroseconds(0));
        Assert.Equal(6.0, timeline.ExposedAccumulateMicroseconds(0), 12);
        Assert.Equal(24.0, timeline.EndMicroseconds(0));
        Assert.Equal(100.0, timeline.ExposedAccumulateMicroseconds(1));

        using JsonDocument trace = JsonDocument.Parse(timeline.ToChromeTraceJson());
        JsonElement merge = trace.RootElement.GetProperty("traceEvents")[2];
        Assert.Equal("accumulate", merge.GetProperty("tid").GetString());
        Assert.Equal("forward step 0 merge/accumulate", merge.GetProperty("name").GetString());
    }
}
