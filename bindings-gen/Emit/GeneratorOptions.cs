namespace RingAttention.BindingsGen.Emit;

/// <summary>How the C# is shaped: names, namespace, and which opaque types are owned by which SafeHandle.</summary>
internal sealed record GeneratorOptions
{
    /// <summary>Namespace of every generated type.</summary>
    public string Namespace { get; init; } = "RingAttention.Interop";

    /// <summary>Name passed to <c>[LibraryImport]</c> ("ringattn_shim" → libringattn_shim.so).</summary>
    public string LibraryName { get; init; } = "ringattn_shim";

    /// <summary>Static class holding the imported functions.</summary>
    public string MethodsClass { get; init; } = "NativeMethods";

    /// <summary>Static class holding the <c>#define</c> constants.</summary>
    public string ConstantsClass { get; init; } = "NativeConstants";

    /// <summary>How the header is named in the generated files' banner (a file name, so output does not depend on the checkout path).</summary>
    public string HeaderDisplayName { get; init; } = "header.h";

    /// <summary>Opaque C types (struct tags or handle typedefs) that LibraryImport signatures take as SafeHandles.</summary>
    public IReadOnlyDictionary<string, HandleBinding> Handles { get; init; } = new Dictionary<string, HandleBinding>();

    /// <summary>Groups of <c>#define</c> constants to emit as enums as well (the constants stay in <see cref="ConstantsClass"/>).</summary>
    public IReadOnlyList<ConstantEnumBinding> ConstantEnums { get; init; } = [];
}

/// <summary>
/// A SafeHandle standing for one opaque C type: parameters <c>T*</c> become <paramref name="SafeHandleType"/>,
/// out-parameters <c>T**</c> become <c>out SafeHandleType</c>, and <paramref name="ReleaseFunction"/> (called from
/// the SafeHandle's ReleaseHandle) keeps a raw <c>nint</c> so that it can run on the finalizer thread.
/// </summary>
internal sealed record HandleBinding(string SafeHandleType, string ReleaseFunction);

/// <summary>
/// The <c>#define</c> constants whose names start with <paramref name="Prefix"/>, emitted as the enum
/// <paramref name="EnumName"/> (public when <paramref name="IsPublic"/>: a type callers see, such as a status).
/// </summary>
internal sealed record ConstantEnumBinding(string Prefix, string EnumName, bool IsPublic, string Summary);
