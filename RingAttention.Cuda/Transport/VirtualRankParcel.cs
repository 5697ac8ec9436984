using RingAttention.Interop;

namespace RingAttention.Cuda.Transport;

/// <summary>A virtual rank's send: its buffer and the event recorded once the buffer was ready to be read.</summary>
/// <param name="Pointer">Device address of the send buffer.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Ready">Recorded on the sender's compute stream after its last write of the buffer.</param>
internal readonly record struct VirtualRankParcel(nint Pointer, long Bytes, SafeCudaEventHandle Ready);
