namespace RingAttention;

/// <summary>
/// The tensors of one backward call as one value: the forward's (Q, K, V, O, LSE), the output gradient dO, and the
/// gradients it writes (dQ, dK, dV). Like <see cref="ForwardTensors{TTensor}"/>, it travels from the public call to the
/// ring loop unchanged and is checked once.
/// </summary>
/// <typeparam name="TTensor">One tensor (a rank's buffer) or a list of them (one per rank).</typeparam>
/// <param name="Query">Q.</param>
/// <param name="Key">K.</param>
/// <param name="Value">V.</param>
/// <param name="Output">The forward's O.</param>
/// <param name="Lse">The forward's fp32 LSE.</param>
/// <param name="OutputGradient">dO, shaped like Q.</param>
/// <param name="QueryGradient">dQ, written; shaped like Q.</param>
/// <param name="KeyGradient">dK, written; shaped like K.</param>
/// <param name="ValueGradient">dV, written; shaped like V.</param>
public readonly record struct BackwardTensors<TTensor>(
    TTensor Query,
    TTensor Key,
    TTensor Value,
    TTensor Output,
    TTensor Lse,
    TTensor OutputGradient,
    TTensor QueryGradient,
    TTensor KeyGradient,
    TTensor ValueGradient)
{
    /// <summary>Q, K, V, O and LSE: the part the backward shares with the forward.</summary>
    public ForwardTensors<TTensor> Forward => new(Query, Key, Value, Output, Lse);

    /// <summary>Hands every tensor to <paramref name="check"/> with its parameter name and extent: the one list of them.</summary>
    internal void CheckEach(ITensorCheck<TTensor> check)
    {
        Forward.CheckEach(check);
        check.Check(OutputGradient, "outputGradient", TensorExtent.Query);
        check.Check(QueryGradient, "queryGradient", TensorExtent.Query);
        check.Check(KeyGradient, "keyGradient", TensorExtent.KeyValuePlane);
        check.Check(ValueGradient, "valueGradient", TensorExtent.KeyValuePlane);
    }

    /// <summary>The same tensors seen through another handle (see <see cref="ForwardTensors{TTensor}.Select"/>).</summary>
    internal BackwardTensors<TOther> Select<TOther>(Func<TTensor, TOther> view) =>
        new(
            view(Query),
            view(Key),
            view(Value),
            view(Output),
            view(Lse),
            view(OutputGradient),
            view(QueryGradient),
            view(KeyGradient),
            view(ValueGradient));
}
