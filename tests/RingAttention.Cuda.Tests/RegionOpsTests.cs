using RingAttention.Backends;
using RingAttention.Cpu;
using RingAttention.Cuda.Device;
using RingAttention.Cuda.Ring;
using RingAttention.Interop;

namespace RingAttention.Cuda.Tests;

/// <summary>
/// <see cref="CudaRegionOps"/> against <see cref="CpuRegionOps"/> on the same regions: copies and fp32 accumulations
/// between frames of every layout, with row steps, head ranges and type conversions. Values are small integers, exact in
/// every type, so both must agree bit for bit.
/// </summary>
public sealed class RegionOpsTests
{
    public static TheoryData<int, int, int> Layouts() => new()
    {
        { (int)FrameLayout.Bshd, (int)FrameLayout.Sbhd, 1 },
        { (int)FrameLayout.Sbhd, (int)FrameLayout.Bshd, 2 },
        { (int)FrameLayout.Bshd, (int)FrameLayout.Bshd, 3 },
        { (int)FrameLayout.Bhs, (int)FrameLayout.Bhs, 2 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Cuda_region_ops_match_the_cpu_ones(int fromCode, int toCode, int rowStep)
    {
        Gpu.Require();
        var fromLayout = (FrameLayout)fromCode;
        var toLayout = (FrameLayout)toCode;
        int d = fromLayout == FrameLayout.Bhs ? 1 : 8;
        var from = new TensorFrame(fromLayout, 2, 12, 4, d);
        var to = new TensorFrame(toLayout, 2, 8, 3, d);
        int rows = 12 / rowStep > 4 ? 4 : 12 / rowStep;
        var source = new TensorRegion(from, 1, rows - 1, rowStep, 1, 2);
        var target = new TensorRegion(to, 2, rows - 1, 1, 0, 2);

        float[] src = [.. Enumerable.Range(0, 2 * 12 * 4 * d).Select(i => (float)((i % 13) - 6))];
        float[] dst = [.. Enumerable.Range(0, 2 * 8 * 3 * d).Select(i => (float)(i % 7))];
        var cpu = new CpuRegionOps();
        float[] cpuCopy = [.. dst];
        cpu.Copy(src, source, cpuCopy, target);
        float[] cpuSum = [.. dst];
        cpu.Accumulate(cpuSum, target, src, source);

        int device = Gpu.Context.Device;
        CudaCalls.SetDevice(device);
        using SafeCudaStreamHandle stream = CudaCalls.CreateStream();
        var gpu = new CudaRegionOps(stream);
        using DeviceBuffer srcHalf = HalfBuffers.Upload(src, DeviceElementType.BFloat16, device);
        using DeviceBuffer copy = HalfBuffers.Upload(dst, DeviceElementType.BFloat16, device);
        using var sum = DeviceBuffer.Allocate(dst.Length, DeviceElementType.Float32, device);
        sum.Upload<float>(dst);
        gpu.Copy(srcHalf.Tensor, source, copy.Tensor, target);
        gpu.Accumulate(sum.Tensor, target, srcHalf.Tensor, source);
        CudaCalls.Synchronize(stream);

        Assert.Equal(cpuCopy, HalfBuffers.Download(copy, DeviceElementType.BFloat16));
        var gpuSum = new float[dst.Length];
        sum.Download<float>(gpuSum);
        Assert.Equal(cpuSum, gpuSum);
    }
}
