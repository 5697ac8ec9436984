namespace RingAttention.Cuda.Ring;

/// <summary>
/// How both plans check a bundle of the caller's device tensors (<see cref="ForwardTensors{TTensor}"/>,
/// <see cref="BackwardTensors{TTensor}"/>): each extent's bytes and element type, then <see cref="DeviceTensorChecks"/>.
/// A plan makes one per rank (<see cref="CudaRingRank"/>) or one for its lists of shards (<see cref="CudaRingAttention"/>).
/// </summary>
/// <param name="geometry">The planned geometry, in the compute precision.</param>
/// <param name="rank">The rank a single tensor belongs to (what its errors name).</param>
internal sealed class DeviceBundleChecks(CudaTensorGeometry geometry, int rank)
    : ITensorCheck<DeviceTensor>, ITensorCheck<IReadOnlyList<DeviceTensor>>
{
    /// <inheritdoc />
    public void Check(DeviceTensor tensor, string name, TensorExtent extent)
    {
        (long bytes, DeviceElementType type) = Expected(extent);
        DeviceTensorChecks.Tensor(tensor, name, rank, bytes, type);
    }

    /// <inheritdoc />
    public void Check(IReadOnlyList<DeviceTensor> tensor, string name, TensorExtent extent)
    {
        (long bytes, DeviceElementType type) = Expected(extent);
        DeviceTensorChecks.Shards(tensor, name, geometry.Problem.RingSize, bytes, type);
    }

    private (long Bytes, DeviceElementType Type) Expected(TensorExtent extent) => extent switch
    {
        TensorExtent.Query => (geometry.QueryBytes, geometry.ElementType),
        TensorExtent.KeyValuePlane => (geometry.KeyValuePlaneBytes, geometry.ElementType),
        _ => (geometry.LseBytes, DeviceElementType.Float32),
    };
}
