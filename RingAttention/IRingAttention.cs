namespace RingAttention;

/// <summary>
/// A ring attention planned for one <see cref="RingProblem"/> that runs the forward and the backward on full
/// sequences: the one abstraction over the CPU ring (<c>RingAttention.Cpu.CpuRingAttention</c>) and the GPU ring
/// (<c>RingAttention.Cuda.CudaRingAttention</c>), so a caller picks a backend once and codes against this.
/// </summary>
/// <remarks>
/// <para>
/// Every tensor is a float32 host array holding the whole sequence in natural token order (no load-balancing
/// reorder: the implementation shards and restores), laid out as <see cref="RingProblem.Layout"/> says: Q, O, dO and
/// dQ are [B, S, Hq, D] (<see cref="TensorLayout.Bshd"/>), [S, B, Hq, D] (<see cref="TensorLayout.Sbhd"/>) or, for
/// packed documents, [T, Hq, D] without padding (<see cref="TensorLayout.Thd"/>, B = 1); K, V, dK and dV the same
/// with Hkv; LSE is always fp32 [B, Hq, S] ([Hq, T] packed).
/// </para>
/// <para>
/// Float32 is the exchange type, not necessarily the compute type: the GPU ring rounds its inputs to its element type
/// (bf16 or fp16) on upload and returns its results decoded to float32, so compare against a reference computed on
/// the rounded inputs. Calls on one instance run one at a time.
/// </para>
/// </remarks>
public interface IRingAttention : IDisposable
{
    /// <summary>The planned problem: sizes, ring size, mask, balance, layout and scale.</summary>
    RingProblem Problem { get; }

    /// <summary>The forward: O (like Q) and LSE (fp32 [B, Hq, S]).</summary>
    /// <exception cref="ArgumentException">A tensor is not the size the problem gives it.</exception>
    AttentionOutput ForwardFullSequence(float[] query, float[] key, float[] value);

    /// <summary>
    /// The backward: dQ, dK and dV from the inputs, the forward's <paramref name="output"/> and <paramref name="lse"/>,
    /// and the output gradient dO (like Q).
    /// </summary>
    /// <exception cref="ArgumentException">A tensor is not the size the problem gives it.</exception>
    AttentionGradients BackwardFullSequence(float[] query, float[] key, float[] value, float[] output, float[] lse, float[] outputGradient);
}
