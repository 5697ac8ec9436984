using RingAttention.Backends;
using RingAttention.Cuda.Device;
using RingAttention.Interop;

namespace RingAttention.Cuda.Timeline;

/// <summary>
/// One rank's timing events, created once at plan time: a pair around each step's attention on the compute stream, a
/// pair around each operation of the accumulation stream and a pair around each exchange on the stream that carries it.
/// Recording allocates nothing; reading waits for the events.
/// </summary>
internal sealed class RankTimelineRecorder : IDisposable
{
    private readonly int _rank;
    private readonly int _ringSize;
    private readonly SafeCudaEventHandle _origin;
    private readonly Slot[] _compute;
    private readonly Slot[] _transfer;
    private readonly Slot[] _accumulate;
    private int _computeCount;
    private int _transferCount;
    private int _accumulateCount;
    private readonly int[] _channelSteps = new int[2];
    private bool _backward;

    public RankTimelineRecorder(int rank, int ringSize)
    {
        _rank = rank;
        _ringSize = ringSize;
        _origin = CudaCalls.CreateEvent(timing: true);
        _compute = NewSlots(ringSize);
        _transfer = NewSlots(2 * ringSize);

        // Per step at most a merge (forward) or two accumulations (backward), plus a few before the first and after the last.
        _accumulate = NewSlots((2 * ringSize) + 6);
    }

    public SafeCudaEventHandle Origin => _origin;

    /// <summary>Starts a call: forgets the previous one and records the origin on the compute stream.</summary>
    public void Begin(bool backward, SafeCudaStreamHandle computeStream)
    {
        _backward = backward;
        _computeCount = 0;
        _transferCount = 0;
        _accumulateCount = 0;
        _channelSteps[0] = 0;
        _channelSteps[1] = 0;
        CudaCalls.Record(_origin, computeStream);
    }

    /// <summary>Records the start of a step's attention and returns its slot (or -1 when full).</summary>
    public int BeginCompute(int sourceRank, SafeCudaStreamHandle stream)
    {
        int step = _backward ? Modulo(sourceRank - _rank, _ringSize) : Modulo(_rank - sourceRank, _ringSize);
        return Open(_compute, ref _computeCount, step, RingChannel.KeyValue, after: -1, stream);
    }

    public void EndCompute(int slot, SafeCudaStreamHandle stream) => Close(_compute, slot, stream);

    /// <summary>Records the start of an accumulation-stream operation, attributed to the last step begun.</summary>
    public int BeginAccumulate(SafeCudaStreamHandle stream)
    {
        int last = _computeCount - 1;
        return Open(_accumulate, ref _accumulateCount, last < 0 ? 0 : _compute[last].Step, RingChannel.KeyValue, after: last, stream);
    }

    public void EndAccumulate(int slot, SafeCudaStreamHandle stream) => Close(_accumulate, slot, stream);

    public int BeginTransfer(RingChannel channel, SafeCudaStreamHandle stream)
    {
        if (_transferCount >= _transfer.Length)
        {
            return -1;
        }

        // KeyValue exchange t brings the block of step t+1; the dK/dV exchange posted at step t carries step t's sums.
        int index = _channelSteps[(int)channel]++;
        return Open(_transfer, ref _transferCount, channel == RingChannel.KeyValue ? index : index + 1, channel, after: -1, stream);
    }

    public void EndTransfer(int slot, SafeCudaStreamHandle stream) => Close(_transfer, slot, stream);

    /// <summary>Waits for the last call's events and adds its intervals, shifted by <paramref name="originOffsetMs"/>.</summary>
    public void Read(List<RingTimelineInterval> into, double originOffsetMs)
    {
        string pass = _backward ? "backward" : "forward";
        for (int i = 0; i < _computeCount; i++)
        {
            into.Add(Interval(_compute[i], RingTimelineKind.Compute, pass, originOffsetMs));
        }

        for (int i = 0; i < _transferCount; i++)
        {
            into.Add(Interval(_transfer[i], RingTimelineKind.Transfer, pass, originOffsetMs));
        }

        // A timing event recorded behind a cross-stream wait may take its time stamp before the wait is over, so an
        // operation's start is taken as the latest of its own event, the end of the kernel it waited for and the end of
        // the stream's previous operation (neither of which it can start before).
        double previousEnd = double.NegativeInfinity;
        for (int i = 0; i < _accumulateCount; i++)
        {
            Slot slot = _accumulate[i];
            RingTimelineInterval interval = Interval(slot, RingTimelineKind.Accumulate, pass, originOffsetMs);
            double end = interval.StartMicroseconds + interval.DurationMicroseconds;
            double earliest = previousEnd;
            if (slot.After >= 0)
            {
                RingTimelineInterval kernel = Interval(_compute[slot.After], RingTimelineKind.Compute, pass, originOffsetMs);
                earliest = Math.Max(earliest, kernel.StartMicroseconds + kernel.DurationMicroseconds);
            }

            double start = Math.Min(end, Math.Max(interval.StartMicroseconds, earliest));
            into.Add(interval with { StartMicroseconds = start, DurationMicroseconds = end - start });
            previousEnd = end;
        }
    }

    public void Dispose()
    {
        _origin.Dispose();
        foreach (Slot slot in _compute)
        {
            slot.Dispose();
        }

        foreach (Slot slot in _transfer)
        {
            slot.Dispose();
        }

        foreach (Slot slot in _accumulate)
        {
            slot.Dispose();
        }
    }

    private RingTimelineInterval Interval(Slot slot, RingTimelineKind kind, string pass, double originOffsetMs)
    {
        CudaCalls.SynchronizeEvent(slot.End);
        double start = CudaCalls.ElapsedMilliseconds(_origin, slot.Start) + originOffsetMs;
        double duration = CudaCalls.ElapsedMilliseconds(slot.Start, slot.End);
        return new RingTimelineInterval(_rank, pass, slot.Step, kind, slot.Channel, start * 1000.0, duration * 1000.0);
    }

    private static Slot[] NewSlots(int count)
    {
        var slots = new Slot[count];
        for (int i = 0; i < count; i++)
        {
            slots[i] = new Slot(CudaCalls.CreateEvent(timing: true), CudaCalls.CreateEvent(timing: true));
        }

        return slots;
    }

    /// <summary>Takes the next free slot of <paramref name="slots"/> (or -1 when full) and records its start.</summary>
    private static int Open(Slot[] slots, ref int count, int step, RingChannel channel, int after, SafeCudaStreamHandle stream)
    {
        if (count >= slots.Length)
        {
            return -1;
        }

        int slot = count++;
        slots[slot].Step = step;
        slots[slot].Channel = channel;
        slots[slot].After = after;
        CudaCalls.Record(slots[slot].Start, stream);
        return slot;
    }

    private static void Close(Slot[] slots, int slot, SafeCudaStreamHandle stream)
    {
        if (slot >= 0)
        {
            CudaCalls.Record(slots[slot].End, stream);
        }
    }

    private static int Modulo(int value, int modulus) => ((value % modulus) + modulus) % modulus;

    private sealed class Slot(SafeCudaEventHandle start, SafeCudaEventHandle end) : IDisposable
    {
        public SafeCudaEventHandle Start { get; } = start;

        public SafeCudaEventHandle End { get; } = end;

        public int Step { get; set; }

        public RingChannel Channel { get; set; }

        /// <summary>For an accumulation-stream operation: the compute slot it waited for (-1 for none).</summary>
        public int After { get; set; } = -1;

        public void Dispose()
        {
            Start.Dispose();
            End.Dispose();
        }
    }
}

