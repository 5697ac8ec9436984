namespace RingAttention;

/// <summary>
/// The tensors of one forward call as one value: what goes in (Q, K, V) and what comes out (O and the fp32 LSE).
/// A backend passes it from the public call down to the ring loop unchanged, so the five tensors are named and
/// checked once rather than spelled out at every layer.
/// </summary>
/// <typeparam name="TTensor">One tensor (a rank's buffer) or a list of them (one per rank).</typeparam>
/// <param name="Query">Q, [B, L, Hq, D] in the problem's layout.</param>
/// <param name="Key">K, [B, L, Hkv, D].</param>
/// <param name="Value">V, shaped like K.</param>
/// <param name="Output">O, written; shaped like Q.</param>
/// <param name="Lse">The log-sum-exp, written; fp32 [B, Hq, L].</param>
public readonly record struct ForwardTensors<TTensor>(TTensor Query, TTensor Key, TTensor Value, TTensor Output, TTensor Lse)
{
    /// <summary>Hands every tensor to <paramref name="check"/> with its parameter name and extent: the one list of them.</summary>
    internal void CheckEach(ITensorCheck<TTensor> check)
    {
        check.Check(Query, "query", TensorExtent.Query);
        check.Check(Key, "key", TensorExtent.KeyValuePlane);
        check.Check(Value, "value", TensorExtent.KeyValuePlane);
        check.Check(Output, "output", TensorExtent.Query);
        check.Check(Lse, "lse", TensorExtent.Lse);
    }

    /// <summary>The same tensors seen through another handle (a host array as the <c>Memory</c> the CPU kernels take).</summary>
    internal ForwardTensors<TOther> Select<TOther>(Func<TTensor, TOther> view) =>
        new(view(Query), view(Key), view(Value), view(Output), view(Lse));
}
