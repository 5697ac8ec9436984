namespace RingAttention;

/// <summary>
/// A backend's check of one bundled tensor against the problem (element counts on the host, bytes, type and alignment
/// on the device). The bundles list their tensors once (<see cref="ForwardTensors{TTensor}"/>,
/// <see cref="BackwardTensors{TTensor}"/>); a check throws an <see cref="ArgumentException"/> naming the parameter.
/// </summary>
/// <typeparam name="TTensor">What the bundle holds.</typeparam>
internal interface ITensorCheck<TTensor>
{
    /// <summary>Throws if <paramref name="tensor"/>, the caller's <paramref name="name"/>, does not fit <paramref name="extent"/>.</summary>
    void Check(TTensor tensor, string name, TensorExtent extent);
}
