namespace RingAttention.Cuda;

/// <summary>What a timeline interval measured.</summary>
public enum RingTimelineKind
{
    /// <summary>One step's attention kernel on the rank's compute stream.</summary>
    Compute = 0,

    /// <summary>One exchange of the ring, measured on the stream that carried it.</summary>
    Transfer = 1,

    /// <summary>
    /// One operation of the rank's accumulation stream (K/V packing, an LSE merge, a gradient accumulation or a cast out),
    /// which runs beside the next step's attention; its step is the attention it follows.
    /// </summary>
    Accumulate = 2,
}
