namespace RingAttention.Cuda.Device;

/// <summary>
/// Makes a CUDA device the calling thread's current one until disposed, then makes the previous one
/// current again: <c>using var scope = new DeviceScope(device);</c>. The current device is per-thread state that belongs to
/// the caller, so no call of the library may leave it changed (the shim's DeviceGuard does the same in C++). A ref struct,
/// so that a scope cannot outlive the call that opened it.
/// </summary>
internal readonly ref struct DeviceScope
{
    private readonly int _previous;

    /// <param name="device">The CUDA device to make current.</param>
    public DeviceScope(int device)
    {
        _previous = CudaCalls.GetDevice();
        CudaCalls.SetDevice(device);
    }

    /// <summary>Makes the device that was current before the scope current again.</summary>
    public void Dispose() => CudaCalls.SetDevice(_previous);
}
