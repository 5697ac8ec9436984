namespace RingAttention.Cpu;

/// <summary>Where things live in the CPU backend's rank-local float buffers.</summary>
internal sealed class CpuTensorGeometry
{
    public CpuTensorGeometry(RingProblem problem)
    {
        Problem = problem;
        Query = problem.LocalQueryShape;
        KeyValue = problem.LocalKeyValueShape;
        KeyValuePlane = checked((int)problem.LocalKeyValueElements);
        Length = problem.LocalLength;
    }

    public RingProblem Problem { get; }

    /// <summary>Shape of Q, O, dO, dQ.</summary>
    public TensorShape Query { get; }

    /// <summary>Shape of one plane (K or V) of a stacked K/V buffer.</summary>
    public TensorShape KeyValue { get; }

    /// <summary>Elements of one plane; V starts at this offset in a stacked buffer.</summary>
    public int KeyValuePlane { get; }

    /// <summary>L, rows per rank.</summary>
    public int Length { get; }

    /// <summary>Offset of LSE[b, h, s] in a [B, Hq, L] buffer.</summary>
    public int LseOffset(int b, int h, int s) => (((b * Problem.QueryHeads) + h) * Length) + s;
}
