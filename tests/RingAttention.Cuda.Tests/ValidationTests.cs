using RingAttention.Cpu;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// Bad input gets the CPU path's exceptions (type, parameter name, message), before any GPU work. Problem checks
/// need no GPU and run everywhere; checks on tensors need a plan, hence a GPU.
/// </summary>
public sealed class ValidationTests
{
    private static readonly RingProblem Valid = TestTensors.Problem(4, AttentionMask.Causal, LoadBalancing.DualChunk, sequence: 64, queryHeads: 4, keyValueHeads: 2, headDim: 64);

    public static TheoryData<string> BadProblems() => new()
    {
        "dual12", "none10", "gqa", "negscale", "nanscale", "zeroscale", "ring0", "batch0", "dim", "mask", "layout",
    };

    [Theory]
    [MemberData(nameof(BadProblems))]
    public void A_bad_problem_gets_the_cpu_paths_exception_without_touching_the_gpu(string which)
    {
        RingProblem problem = which switch
        {
            "dual12" => Valid with { SequenceLength = 12 },
            "none10" => Valid with { SequenceLength = 10, Balance = LoadBalancing.None },
            "gqa" => Valid with { KeyValueHeads = 3 },
            "negscale" => Valid with { Scale = -1f },
            "nanscale" => Valid with { Scale = float.NaN },
            "zeroscale" => Valid with { Scale = 0f },
            "ring0" => Valid with { RingSize = 0 },
            "batch0" => Valid with { BatchSize = 0 },
            "dim" => Valid with { HeadDim = -8 },
            "mask" => Valid with { Mask = (AttentionMask)7 },
            "layout" => Valid with { Layout = (TensorLayout)5 },
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };

        ArgumentException cpu = Assert.ThrowsAny<ArgumentException>(() => new CpuRingAttention(problem));
        ArgumentException gpu = Assert.ThrowsAny<ArgumentException>(() => new CudaRingAttention(problem, DeviceElementType.BFloat16));
        Assert.Equal(cpu.GetType(), gpu.GetType());
        Assert.Equal(cpu.ParamName, gpu.ParamName);
        Assert.Equal(cpu.Message, gpu.Message);
    }

    [Fact]
    public void A_null_problem_is_rejected()
    {
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => new CudaRingAttention(null!));
        Assert.Equal("problem", e.ParamName);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(264)]
    public void A_head_dim_cudnn_cannot_run_is_rejected_before_any_gpu_work(int headDim)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new CudaRingAttention(Valid with { HeadDim = headDim }));
        Assert.Equal("HeadDim", e.ParamName);
        Assert.Contains("multiple of 8 and at most 256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Float32_is_not_an_attention_type()
    {
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => new CudaRingAttention(Valid, DeviceElementType.Float32));
        Assert.Equal("elementType", e.ParamName);
    }

    [Fact]
    public void Full_sequence_tensors_of_the_wrong_size_get_the_cpu_paths_errors()
    {
        Gpu.Require();
        using var cpu = new CpuRingAttention(Valid);
        using var gpu = new CudaRingAttention(Valid, DeviceElementType.BFloat16, new CudaRingOptions { Context = Gpu.Context });
        float[] q = new float[Valid.GlobalQueryShape.ElementCount];
        float[] kv = new float[Valid.GlobalKeyValueShape.ElementCount];
        float[] lse = new float[Valid.BatchSize * Valid.QueryHeads * Valid.SequenceLength];
        float[] shortKey = new float[kv.Length - 1];

        AssertSame(() => cpu.ForwardFullSequence(q, shortKey, kv), () => gpu.ForwardFullSequence(q, shortKey, kv));
        AssertSame(() => cpu.ForwardFullSequence(q, kv, null!), () => gpu.ForwardFullSequence(q, kv, null!));
        AssertSame(() => cpu.BackwardFullSequence(q, kv, kv, q, lse[1..], q), () => gpu.BackwardFullSequence(q, kv, kv, q, lse[1..], q));
        AssertSame(() => cpu.BackwardFullSequence(q, kv, kv, q, lse, q[1..]), () => gpu.BackwardFullSequence(q, kv, kv, q, lse, q[1..]));
    }

    [Fact]
    public void Device_tensors_of_the_wrong_count_size_or_type_are_rejected_before_any_work()
    {
        Gpu.Require();
        using var gpu = new CudaRingAttention(Valid, DeviceElementType.BFloat16, new CudaRingOptions { Context = Gpu.Context });
        using var q = DeviceBuffer.Allocate(Valid.LocalQueryElements, DeviceElementType.BFloat16);
        using var kv = DeviceBuffer.Allocate(Valid.LocalKeyValueElements, DeviceElementType.BFloat16);
        using var lse = DeviceBuffer.Allocate(Valid.LocalLseElements, DeviceElementType.Float32);
        DeviceTensor[] qs = [q.Tensor, q.Tensor, q.Tensor, q.Tensor];
        DeviceTensor[] kvs = [kv.Tensor, kv.Tensor, kv.Tensor, kv.Tensor];
        DeviceTensor[] lses = [lse.Tensor, lse.Tensor, lse.Tensor, lse.Tensor];

        ArgumentException e = Assert.Throws<ArgumentException>(() => gpu.Forward(new(qs, kvs, kvs, qs, lses[..3])));
        Assert.Equal("lse", e.ParamName);
        Assert.Contains("3 shards", e.Message, StringComparison.Ordinal);

        DeviceTensor[] shortKeys = [kv.Tensor, kv.Tensor, kv.Tensor with { Bytes = kv.Bytes - 2 }, kv.Tensor];
        e = Assert.Throws<ArgumentException>(() => gpu.Forward(new(qs, shortKeys, kvs, qs, lses)));
        Assert.Equal("key", e.ParamName);
        Assert.Contains("key[2]", e.Message, StringComparison.Ordinal);

        DeviceTensor[] halfLse = [.. lses.Select(t => t with { ElementType = DeviceElementType.BFloat16 })];
        e = Assert.Throws<ArgumentException>(() => gpu.Forward(new(qs, kvs, kvs, qs, halfLse)));
        Assert.Equal("lse", e.ParamName);

        DeviceTensor[] nullQ = [default, q.Tensor, q.Tensor, q.Tensor];
        Assert.Throws<ArgumentNullException>(() => gpu.Forward(new(nullQ, kvs, kvs, qs, lses)));
    }

    private static void AssertSame(Action cpu, Action gpu)
    {
        ArgumentException expected = Assert.ThrowsAny<ArgumentException>(cpu);
        ArgumentException actual = Assert.ThrowsAny<ArgumentException>(gpu);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.ParamName, actual.ParamName);
        Assert.Equal(expected.Message, actual.Message);
    }
}
