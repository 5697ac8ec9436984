using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Ring;

/// <summary>
/// The two streams of one rank and the events that order them. The compute stream runs the attention kernels; the
/// accumulation stream runs everything around them (K/V packing, LSE merges, gradient accumulations, the casts out),
/// so that step t's merge overlaps step t+1's attention instead of following it: the kernel is compute-bound, the merge
/// memory-bound, and on one stream the merges would add to every step. Rules:
/// <list type="bullet">
/// <item>An accumulation-stream operation starts after everything the compute stream holds (<see cref="AccumulationAfterCompute"/>).</item>
/// <item>A kernel does not overwrite a step-partial buffer until the accumulation stream has read it
/// (<see cref="ReleaseAfterAccumulation"/>, <see cref="ComputeBeforeWriting"/>); the ring double-buffers the partials, so
/// this waits for the merge of two steps ago, which is long done.</item>
/// <item>A transfer starts after everything either stream holds (<see cref="RecordEverything"/>); what arrives is read by
/// the compute stream (K/V) or the accumulation stream (dK/dV sums) (<see cref="ConsumerOf"/>).</item>
/// <item>A call ends with the compute stream waiting for the accumulation stream (<see cref="ComputeAfterAccumulation"/>).</item>
/// </list>
/// A ring of one has a single stream: both roles share it and every ordering call is a no-op.
/// </summary>
internal sealed class RankStreams : IDisposable
{
    private readonly SafeCudaEventHandle? _computeMark;
    private readonly SafeCudaEventHandle? _accumulationMark;
    private readonly List<(nint Buffer, SafeCudaEventHandle Released)> _partials = [];

    /// <param name="separate">False for a ring of one: the accumulation stream is the compute stream.</param>
    public RankStreams(bool separate)
    {
        try
        {
            Compute = CudaCalls.CreateStream();
            if (separate)
            {
                Accumulation = CudaCalls.CreateStream();
                _computeMark = CudaCalls.CreateEvent();
                _accumulationMark = CudaCalls.CreateEvent();
            }
            else
            {
                Accumulation = Compute;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public SafeCudaStreamHandle Compute { get; } = null!;

    public SafeCudaStreamHandle Accumulation { get; } = null!;

    private bool Separate => _computeMark is not null;

    /// <summary>At plan time: a buffer that kernels write and the accumulation stream reads (a step partial).</summary>
    public void RegisterPartial(DeviceTensor buffer)
    {
        if (!Separate || buffer.IsNull || _partials.Exists(p => p.Buffer == buffer.Pointer))
        {
            return;
        }

        _partials.Add((buffer.Pointer, CudaCalls.CreateEvent()));
    }

    /// <summary>Later accumulation-stream work runs after everything enqueued on the compute stream so far.</summary>
    public void AccumulationAfterCompute()
    {
        if (Separate)
        {
            CudaCalls.Record(_computeMark!, Compute);
            CudaCalls.Wait(Accumulation, _computeMark!);
        }
    }

    /// <summary>Later compute-stream work runs after everything enqueued on the accumulation stream so far.</summary>
    public void ComputeAfterAccumulation()
    {
        if (Separate)
        {
            CudaCalls.Record(_accumulationMark!, Accumulation);
            CudaCalls.Wait(Compute, _accumulationMark!);
        }
    }

    /// <summary>Marks that the accumulation stream's reads of the partial at <paramref name="buffer"/> are enqueued.</summary>
    public void ReleaseAfterAccumulation(nint buffer)
    {
        SafeCudaEventHandle? released = Find(buffer);
        if (released is not null)
        {
            CudaCalls.Record(released, Accumulation);
        }
    }

    /// <summary>Before a kernel writes the partial at <paramref name="buffer"/>: waits until its last reader is done.</summary>
    public void ComputeBeforeWriting(nint buffer)
    {
        SafeCudaEventHandle? released = Find(buffer);
        if (released is not null)
        {
            CudaCalls.Wait(Compute, released);
        }
    }

    /// <summary>Records <paramref name="e"/> after everything enqueued on both streams so far (on the accumulation stream).</summary>
    public void RecordEverything(SafeCudaEventHandle e)
    {
        AccumulationAfterCompute();
        CudaCalls.Record(e, Accumulation);
    }

    /// <summary>The stream that reads what arrives on <paramref name="channel"/> and later overwrites what it sent.</summary>
    public SafeCudaStreamHandle ConsumerOf(RingChannel channel) => channel == RingChannel.KeyValue ? Compute : Accumulation;

    /// <summary>Waits for both streams (teardown, tests).</summary>
    public void Synchronize()
    {
        CudaCalls.Synchronize(Compute);
        if (Separate)
        {
            CudaCalls.Synchronize(Accumulation);
        }
    }

    public void Dispose()
    {
        // Work may still be queued: wait before the memory it touches goes away (errors here would hide the original one).
        if (Compute is { IsClosed: false })
        {
            _ = SafeSynchronize(Compute);
        }

        if (!ReferenceEquals(Accumulation, Compute) && Accumulation is { IsClosed: false })
        {
            _ = SafeSynchronize(Accumulation);
        }

        foreach ((_, SafeCudaEventHandle released) in _partials)
        {
            released.Dispose();
        }

        _partials.Clear();
        _computeMark?.Dispose();
        _accumulationMark?.Dispose();
        if (!ReferenceEquals(Accumulation, Compute))
        {
            Accumulation?.Dispose();
        }

        Compute?.Dispose();
    }

    private static unsafe int SafeSynchronize(SafeCudaStreamHandle stream) => NativeMethods.ringattn_cuda_stream_synchronize(stream);

    private SafeCudaEventHandle? Find(nint buffer)
    {
        // A handful of entries: a linear scan allocates nothing.
        foreach ((nint b, SafeCudaEventHandle released) in _partials)
        {
            if (b == buffer)
            {
                return released;
            }
        }

        return null;
    }
}
