using RingAttention.Strategies;
using RingAttention.Threading;

namespace RingAttention.Tests.Strategies;

/// <summary>
/// The all-gather forward end to end on threads: gather K and V, reorder to sequence order, one naive attention per
/// planned block under its band, and the shards put back together equal full attention.
/// </summary>
public sealed class AllGatherForwardTests
{
    [Theory]
    [InlineData(3, LoadBalancing.DualChunk, AttentionMask.Causal, -2, 0)]
    [InlineData(4, LoadBalancing.DualChunk, AttentionMask.Causal, 5, 0)]
    [InlineData(3, LoadBalancing.None, AttentionMask.None, 3, 2)]
    [InlineData(2, LoadBalancing.None, AttentionMask.Causal, -2, 0)]
    [InlineData(3, LoadBalancing.Striped, AttentionMask.None, -2, 0)]
    public void Gathered_blocks_give_full_attention(int ranks, LoadBalancing balance, AttentionMask mask, int left, int right)
    {
        AttentionWindow? window = left == -2 ? null : new AttentionWindow(left, right);
        RingProblem problem = StrategyTestProblems.Problem(ranks, 2 * ranks * 3, balance, mask, window);
        var random = new Random(TestTensors.FreshSeed());
        float[] q = TestTensors.Uniform(random, problem.GlobalQueryShape.ElementCount);
        float[] k = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        float[] v = TestTensors.Uniform(random, problem.GlobalKeyValueShape.ElementCount);
        var qAxis = new SequenceAxis(1, problem.SequenceLength, problem.QueryHeads * problem.HeadDim);
        var kvAxis = new SequenceAxis(1, problem.SequenceLength, problem.KeyValueHeads * problem.HeadDim);
        float[][] qShards = SequenceReorder.Shard<float>(q, qAxis, balance, ranks);
        float[][] kShards = SequenceReorder.Shard<float>(k, kvAxis, balance, ranks);
        float[][] vShards = SequenceReorder.Shard<float>(v, kvAxis, balance, ranks);
        var outputs = new float[ranks][];
        int[] rowOf = GatheredSequenceOrder.ToSequenceOrder(balance, ranks, problem.SequenceLength);

        using var hub = new ThreadCollectiveHub(ranks, TimeSpan.FromSeconds(30));
        using var threads = new RankThreads(hub);
        threads.Run(rank =>
        {
            var transport = new ThreadCollectiveTransport(hub, rank);
            float[] keys = GatherInSequenceOrder(transport, kShards[rank], rowOf, kvAxis.Inner);
            float[] values = GatherInSequenceOrder(transport, vShards[rank], rowOf, kvAxis.Inner);
            outputs[rank] = new float[qShards[rank].Length];
            foreach (AllGatherBlock block in AllGatherPlan.For(problem, rank))
            {
                Attend(problem, block, qShards[rank], keys, values, outputs[rank]);
            }
        });

        float[] output = SequenceReorder.Restore(outputs, qAxis, balance);
        double[] expected = Naive(problem, q, k, v);
        Assert.True(TestTensors.RelativeError(output, expected) < 1e-5);
        if (window is null)
        {
            Assert.True(TestTensors.RelativeError(output, AttentionReference.Forward(problem, q, k, v).Output) < 1e-5);
        }
    }

    private static float[] GatherInSequenceOrder(ThreadCollectiveTransport transport, float[] shard, int[] rowOf, int rowWidth)
    {
        var gathered = new float[shard.Length * transport.Size];
        transport.AllGather(shard, gathered);
        var ordered = new float[gathered.Length];
        for (int t = 0; t < rowOf.Length; t++)
        {
            gathered.AsSpan(rowOf[t] * rowWidth, rowWidth).CopyTo(ordered.AsSpan(t * rowWidth, rowWidth));
        }

        return ordered;
    }

    /// <summary>One fused call as a backend would make it: block-local rows, the band, nothing else.</summary>
    private static void Attend(RingProblem problem, AllGatherBlock block, float[] queries, float[] keys, float[] values, float[] output)
    {
        int d = problem.HeadDim;
        for (int h = 0; h < problem.QueryHeads; h++)
        {
            int kvHead = h / problem.GroupSize;
            for (int i = 0; i < block.QueryCount; i++)
            {
                int qRow = (((block.QueryStart + i) * problem.QueryHeads) + h) * d;
                Softmax(problem, queries.AsSpan(qRow, d), j => block.Sees(i, j) ? block.KeyStart + j : -1, block.KeyCount, kvHead, keys, values, output.AsSpan(qRow, d));
            }
        }
    }

    private static double[] Naive(RingProblem problem, float[] q, float[] k, float[] v)
    {
        int d = problem.HeadDim;
        var result = new float[q.Length];
        for (int h = 0; h < problem.QueryHeads; h++)
        {
            for (int i = 0; i < problem.SequenceLength; i++)
            {
                int qRow = ((i * problem.QueryHeads) + h) * d;
                int query = i;
                Softmax(problem, q.AsSpan(qRow, d), j => StrategyTestProblems.Visible(problem, query, j) ? j : -1, problem.SequenceLength, h / problem.GroupSize, k, v, result.AsSpan(qRow, d));
            }
        }

        return result.Select(x => (double)x).ToArray();
    }

    /// <summary>Softmax attention of one query row over the keys <paramref name="keyAt"/> maps to (-1: masked).</summary>
    private static void Softmax(RingProblem problem, ReadOnlySpan<float> query, Func<int, int> keyAt, int count, int kvHead, float[] keys, float[] values, Span<float> output)
    {
        int d = problem.HeadDim;
        var scores = new List<(int Key, double Score)>();
        for (int j = 0; j < count; j++)
        {
            int key = keyAt(j);
            if (key >= 0)
            {
                int row = ((key * problem.KeyValueHeads) + kvHead) * d;
                double dot = 0;
                for (int c = 0; c < d; c++)
                {
                    dot += query[c] * keys[row + c];
                }

                scores.Add((row, problem.SoftmaxScale * dot));
            }
        }

        double max = scores.Max(s => s.Score);
        double sum = scores.Sum(s => Math.Exp(s.Score - max));
        for (int c = 0; c < d; c++)
        {
            output[c] = (float)scores.Sum(s => Math.Exp(s.Score - max) / sum * values[s.Key + c]);
        }
    }
}
