using RingAttention.Cli.Backends;
using RingAttention.Cli.Running.Files;

namespace RingAttention.Cli.Running;

/// <summary>Everything <c>ringattn run</c> was asked to do, already parsed and checked option by option.</summary>
internal sealed record RunRequest
{
    /// <summary>Where to compute.</summary>
    public required BackendKind Backend { get; init; }

    /// <summary>--dtype: the element type to compute in; null means the backend's default (cpu fp32, cuda bf16).</summary>
    public ElementPrecision? Precision { get; init; }

    /// <summary>N, the number of simulated ranks (--cp).</summary>
    public required int RingSize { get; init; }

    /// <summary>The mask on the global sequence.</summary>
    public required AttentionMask Mask { get; init; }

    /// <summary>How tokens are assigned to ranks.</summary>
    public required LoadBalancing Balance { get; init; }

    /// <summary>The axis order of every input and output tensor file.</summary>
    public required TensorLayout Layout { get; init; }

    /// <summary>--seqlens: the packed documents' lengths with <see cref="TensorLayout.Thd"/>; null for every other layout.</summary>
    public IReadOnlyList<int>? DocumentLengths { get; init; }

    /// <summary>Softmax scale; null means 1/sqrt(D).</summary>
    public float? Scale { get; init; }

    /// <summary>--window: the sliding window on the original positions; null means none.</summary>
    public AttentionWindow? Window { get; init; }

    /// <summary>--strategy: how the ranks share the work; null is auto (<see cref="ContextParallelStrategies.Choose"/> picks).</summary>
    public ContextParallelStrategy? Strategy { get; init; } = ContextParallelStrategy.Ring;

    /// <summary>--a2a-size: the all-to-all group size of <see cref="ContextParallelStrategy.AllToAllThenRing"/>; 0 otherwise.</summary>
    public int AllToAllSize { get; init; }

    /// <summary>Q input file.</summary>
    public required string QueryPath { get; init; }

    /// <summary>K input file.</summary>
    public required string KeyPath { get; init; }

    /// <summary>V input file.</summary>
    public required string ValuePath { get; init; }

    /// <summary>O output file.</summary>
    public required string OutputPath { get; init; }

    /// <summary>LSE output file ([B, Hq, S]; [Hq, T] for packed documents).</summary>
    public required string LsePath { get; init; }

    /// <summary>The backward's files; null runs the forward only.</summary>
    public GradientPaths? Gradients { get; init; }

    /// <summary>--check-finite: refuse inputs holding NaN or Inf before any compute.</summary>
    public bool CheckFinite { get; init; } = true;

    /// <summary>Every input file with its option, in command-line order.</summary>
    public IReadOnlyList<FileOption> Inputs => Gradients is null
        ? [new("--q", QueryPath), new("--k", KeyPath), new("--v", ValuePath)]
        : [new("--q", QueryPath), new("--k", KeyPath), new("--v", ValuePath), new("--do", Gradients.OutputGradientPath)];

    /// <summary>Every output file with its option, in command-line order.</summary>
    public IReadOnlyList<FileOption> Outputs => Gradients is null
        ? [new("--out", OutputPath), new("--lse", LsePath)]
        : [new("--out", OutputPath), new("--lse", LsePath), new("--dq", Gradients.QueryGradientPath), new("--dk", Gradients.KeyGradientPath), new("--dv", Gradients.ValueGradientPath)];
}

/// <summary>Files of the backward pass: the output gradient in, the three input gradients out.</summary>
/// <param name="OutputGradientPath">dO input file (shaped like Q).</param>
/// <param name="QueryGradientPath">dQ output file.</param>
/// <param name="KeyGradientPath">dK output file.</param>
/// <param name="ValueGradientPath">dV output file.</param>
internal sealed record GradientPaths(string OutputGradientPath, string QueryGradientPath, string KeyGradientPath, string ValueGradientPath);
