using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Running;

/// <summary>What the problem is built from: an input's name in messages (option and path) and its shape.</summary>
internal sealed record TensorInfo(string Name, IReadOnlyList<int> Shape)
{
    /// <summary>The shape as text, e.g. "[1, 4096, 16, 64]".</summary>
    public string ShapeText => NpyArray.FormatShape(Shape);
}
