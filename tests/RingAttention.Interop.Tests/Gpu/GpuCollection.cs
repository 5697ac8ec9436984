namespace RingAttention.Interop.Tests.Gpu;

/// <summary>GPU tests share one device; running them one at a time keeps timings and memory use predictable.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GpuCollectionDefinition
{
    public const string Name = "Gpu";
}
