namespace RingAttention.Cuda.Tests;

/// <summary>
/// Packed documents on the GPU with garbage in the shards' padding rows: whatever a caller leaves there (NaN here) never
/// reaches a result. The shim's emulator multiplies masked keys as cuDNN does (0 · NaN = NaN), so a block that borrowed
/// a padding row under its mask would show here; a one-token document puts a one-by-one block beside padding.
/// </summary>
public sealed class PackedPaddingTests
{
    [Fact]
    public void Nan_in_padding_rows_never_reaches_a_result_and_padding_rows_come_out_zero()
    {
        Gpu.Require();
        const DeviceElementType Type = DeviceElementType.BFloat16;
        int[] lengths = [1, 37, 2, 60];
        PackedDocuments documents = PackedDocuments.Padded(lengths, LoadBalancing.DualChunk, 3);
        RingProblem problem = TestTensors.Problem(3, AttentionMask.Causal, LoadBalancing.DualChunk, 1, documents.TotalLength, 4, 2, 64) with
        {
            Layout = TensorLayout.Thd,
            Documents = documents,
        };
        var random = new Random(TestTensors.FreshSeed());
        (float[] q, float[] k, float[] v, float[] dO) = TestTensors.RoundedInputs(problem, Type, random);
        using var ring = new CudaRingAttention(problem, Type);
        AttentionOutput clean = ring.ForwardFullSequence(q, k, v);
        AttentionGradients cleanGradients = ring.BackwardFullSequence(q, k, v, clean.Output, clean.Lse, dO);

        var sharding = new FullSequenceSharding(problem);
        int[][] padding = [.. Enumerable.Range(0, 3).Select(r => PaddingRows(documents, r))];
        using var shards = new RankShards(problem, Type);
        shards.UploadShards(shards.Query, WithNaN(sharding.ShardQuery(q), padding, problem.QueryHeads * 64));
        shards.UploadShards(shards.Key, WithNaN(sharding.ShardKeyValue(k), padding, problem.KeyValueHeads * 64));
        shards.UploadShards(shards.Value, WithNaN(sharding.ShardKeyValue(v), padding, problem.KeyValueHeads * 64));
        shards.UploadShards(shards.OutputGradient, WithNaN(sharding.ShardQuery(dO), padding, problem.QueryHeads * 64));
        using var stream = new CudaStream();
        BackwardTensors<IReadOnlyList<DeviceTensor>> tensors = shards.Tensors;
        ring.Forward(tensors.Forward, stream.Pointer);
        ring.Backward(tensors, stream.Pointer);
        stream.Synchronize();

        float[][] o = shards.DownloadShards(shards.Output);
        float[][] lse = shards.DownloadShards(shards.Lse);
        float[][] dq = shards.DownloadShards(shards.QueryGradient);
        float[][] dk = shards.DownloadShards(shards.KeyGradient);
        float[][] dv = shards.DownloadShards(shards.ValueGradient);
        int local = problem.LocalLength;
        for (int r = 0; r < 3; r++)
        {
            Assert.DoesNotContain(o[r], float.IsNaN);
            Assert.DoesNotContain(dq[r], float.IsNaN);
            Assert.DoesNotContain(dk[r], float.IsNaN);
            Assert.DoesNotContain(dv[r], float.IsNaN);
            foreach (int row in padding[r])
            {
                Assert.All(o[r].AsSpan(row * 256, 256).ToArray(), x => Assert.Equal(0f, x));
                Assert.All(dq[r].AsSpan(row * 256, 256).ToArray(), x => Assert.Equal(0f, x));
                Assert.All(dk[r].AsSpan(row * 128, 128).ToArray(), x => Assert.Equal(0f, x));
                for (int h = 0; h < problem.QueryHeads; h++)
                {
                    Assert.Equal(float.NegativeInfinity, lse[r][(h * local) + row]);
                }
            }
        }

        // The valid rows are the clean run's: the forward bit for bit, the backward within cuDNN's summation order.
        Assert.Equal(clean.Output, sharding.RestoreQuery(o));
        Assert.Equal(clean.Lse, sharding.RestoreLse(lse));
        AssertClose(cleanGradients.QueryGradient, sharding.RestoreQuery(dq), "dQ");
        AssertClose(cleanGradients.KeyGradient, sharding.RestoreKeyValue(dk), "dK");
        AssertClose(cleanGradients.ValueGradient, sharding.RestoreKeyValue(dv), "dV");
    }

    private static int[] PaddingRows(PackedDocuments documents, int rank) =>
        [.. PackedReorder.ShardRows(documents, LoadBalancing.DualChunk, 3, rank).Select((row, j) => (row, j)).Where(x => x.row < 0).Select(x => x.j)];

    private static float[][] WithNaN(float[][] shards, int[][] padding, int rowElements)
    {
        for (int r = 0; r < shards.Length; r++)
        {
            foreach (int row in padding[r])
            {
                shards[r].AsSpan(row * rowElements, rowElements).Fill(float.NaN);
            }
        }

        return shards;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        double error = TestTensors.RelativeError(actual, Array.ConvertAll(expected, x => (double)x), what);
        Assert.True(error < 1e-2, $"{what}: relative difference {error} from the run with zero padding");
    }
}
