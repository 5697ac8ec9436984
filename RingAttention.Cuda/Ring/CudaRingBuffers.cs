using RingAttention.Backends;
using RingAttention.Cuda.Device;

namespace RingAttention.Cuda.Ring;

/// <summary>The ring buffers of one rank for one (sub-)problem, allocated once at plan time.</summary>
internal static class CudaRingBuffers
{
    /// <summary>
    /// Three K/V blocks, two sets of step partials, the running O/LSE and dQ, and the dK/dV accumulators; none for a ring
    /// of one (a single attention call on the caller's tensors), and no travelling blocks for packed documents on a ring
    /// of one (a call per document, merged). Partials are registered with <paramref name="streams"/>.
    /// </summary>
    public static RingWorkspace<DeviceTensor> Plan(CudaTensorGeometry geometry, DeviceBufferSet buffers, RankStreams streams)
    {
        bool travels = geometry.Problem.RingSize > 1;
        bool loop = travels || geometry.Problem.Documents is not null;
        DeviceElementType half = geometry.ElementType;
        const DeviceElementType Fp32 = DeviceElementType.Float32;
        DeviceTensor RingOnly(long elements, DeviceElementType type) => loop ? buffers.Allocate(elements, type) : default;
        DeviceTensor Travelling(long elements, DeviceElementType type) => travels ? buffers.Allocate(elements, type) : default;
        long stacked = 2 * geometry.KeyValuePlaneElements;

        // Two sets of step partials, so that a step's merge on the accumulation stream overlaps the next step's kernel.
        // The forward's partial O is not used by the backward, so dQ's partial shares its memory.
        StepPartials<DeviceTensor> Partials()
        {
            DeviceTensor partialQ = RingOnly(geometry.QueryElements, half);
            var set = new StepPartials<DeviceTensor>
            {
                Output = partialQ,
                Lse = RingOnly(geometry.LseElements, Fp32),
                QueryGradient = partialQ,
                KeyValueGradient = RingOnly(stacked, half),
            };
            streams.RegisterPartial(set.Output);
            streams.RegisterPartial(set.Lse);
            streams.RegisterPartial(set.KeyValueGradient);
            return set;
        }

        // The forward's running O is not used by the backward either: the running dQ shares it.
        DeviceTensor accumulatorQ = RingOnly(geometry.QueryElements, Fp32);
        return new RingWorkspace<DeviceTensor>
        {
            OwnKeyValue = RingOnly(stacked, half),
            KeyValueA = Travelling(stacked, half),
            KeyValueB = Travelling(stacked, half),
            PartialsA = Partials(),
            PartialsB = Partials(),
            OutputAccumulator = accumulatorQ,
            LseAccumulator = RingOnly(geometry.LseElements, Fp32),
            QueryGradientAccumulator = accumulatorQ,
            OwnKeyValueGradient = RingOnly(stacked, Fp32),
            KeyValueGradientA = Travelling(stacked, Fp32),
            KeyValueGradientB = Travelling(stacked, Fp32),
        };
    }
}
