namespace RingAttention.Interop;

// The hand-written half of the generated NativeMethods class (Generated/NativeMethods.g.cs).
internal static partial class NativeMethods
{
    /// <summary>
    /// Runs before the first LibraryImport stub of this class binds its target, so the resolver that finds
    /// libringattn_shim.so (and checks its ABI) is always in place first. The resolver is registered for this
    /// assembly only; applications keep their own resolvers for theirs.
    /// </summary>
    static NativeMethods() => ShimLibrary.RegisterResolver();
}
