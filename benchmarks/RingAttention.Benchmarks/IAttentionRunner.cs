namespace RingAttention.Benchmarks;

/// <summary>One planned case on the GPU: enqueue a pass, wait for it.</summary>
internal interface IAttentionRunner : IDisposable
{
    /// <summary>Device memory per rank (or the baseline's cuDNN workspace), without the caller's tensors.</summary>
    long DeviceMemoryBytes { get; }

    void Forward();

    void Backward();

    void Synchronize();
}
