namespace RingAttention.Backends;

/// <summary>
/// K and V (or dK and dV) of one block as two tensors, each shaped like K ([B, L, Hkv, D] in the problem's layout).
/// The planes may be the caller's own K and V, or the two halves of a stacked buffer
/// (<see cref="IRingElementwiseOps{TTensor}.Planes"/>); the kernel reads or writes them without copying.
/// </summary>
/// <typeparam name="TTensor">The backend's handle to a rank-local buffer.</typeparam>
/// <param name="Key">K (or dK).</param>
/// <param name="Value">V (or dV).</param>
internal readonly record struct KeyValuePlanes<TTensor>(TTensor Key, TTensor Value);
