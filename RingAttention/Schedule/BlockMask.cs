namespace RingAttention;

/// <summary>The mask one ring step applies inside its (Q part, KV part) block.</summary>
internal enum BlockMask
{
    /// <summary>Every query row of the block sees every key row of the block.</summary>
    None = 0,

    /// <summary>Causal, top-left aligned on the block: query row i (from the block's start) sees key rows j &lt;= i.</summary>
    Causal = 1,
}
