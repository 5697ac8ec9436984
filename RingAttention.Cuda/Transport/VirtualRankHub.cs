using RingAttention.Interop;
using RingAttention.Threading;

namespace RingAttention.Cuda.Transport;

/// <summary>
/// The meeting point of N virtual ranks (threads) sharing one GPU. A sender posts (pointer, bytes, ready event); the
/// receiver's communication stream waits for that event, copies device-to-device and hands back its "copied" event,
/// which the sender's compute stream waits on before it overwrites its buffer. The host side only exchanges handles;
/// every data dependency is a CUDA event.
/// </summary>
internal sealed class VirtualRankHub : RankRendezvous<VirtualRankParcel, SafeCudaEventHandle?>
{
    public VirtualRankHub(int size, TimeSpan timeout)
        : base(size, timeout)
    {
    }
}
