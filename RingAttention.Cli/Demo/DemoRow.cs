namespace RingAttention.Cli.Demo;

/// <summary>One mask x balance case of the demo: relative errors against the float64 reference, and ring times.</summary>
internal sealed record DemoRow
{
    /// <summary>Which backend produced the row, as the table shows it: "cpu", or "cuda bf16".</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>The case.</summary>
    public required RingProblem Problem { get; init; }

    /// <summary>Relative error of O.</summary>
    public required double OutputError { get; init; }

    /// <summary>Relative error of LSE.</summary>
    public required double LseError { get; init; }

    /// <summary>Relative error of dQ.</summary>
    public required double QueryGradientError { get; init; }

    /// <summary>Relative error of dK.</summary>
    public required double KeyGradientError { get; init; }

    /// <summary>Relative error of dV.</summary>
    public required double ValueGradientError { get; init; }

    /// <summary>Ring forward wall time (including shard and gather), ms.</summary>
    public required double ForwardMilliseconds { get; init; }

    /// <summary>Ring backward wall time (including shard and gather), ms.</summary>
    public required double BackwardMilliseconds { get; init; }

    /// <summary>The largest of the five errors.</summary>
    public double MaxError => new[] { OutputError, LseError, QueryGradientError, KeyGradientError, ValueGradientError }.Max();
}
