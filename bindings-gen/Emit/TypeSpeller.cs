using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Emit;

/// <summary>Where a C type appears; the same C type is spelled differently in each place.</summary>
internal enum TypePosition
{
    /// <summary>A struct field: must be blittable, so C bool is <c>byte</c>.</summary>
    Field,

    /// <summary>A LibraryImport parameter: SafeHandles and <c>[MarshalAs(U1)] bool</c> are allowed.</summary>
    Parameter,

    /// <summary>A LibraryImport return value.</summary>
    Return,

    /// <summary>Inside a <c>delegate* unmanaged</c> (nothing is marshalled there) or a global using alias (names fully qualified).</summary>
    FunctionPointer,
}

/// <summary>Spells a <see cref="CType"/> as C#.</summary>
internal sealed class TypeSpeller(GeneratorOptions options)
{
    /// <summary>The C# type; for parameters it may carry a modifier (<c>out SafeContextHandle</c>).</summary>
    public string Spell(CType type, TypePosition position, bool isReleaseFunction = false)
    {
        if (position == TypePosition.Parameter && TrySpellHandle(type, isReleaseFunction, out string? handle))
        {
            return handle;
        }

        return type switch
        {
            VoidType => "void",
            PrimitiveType primitive => primitive.CSharpName,
            BoolType => position is TypePosition.Parameter or TypePosition.Return ? "bool" : "byte",
            PointerType pointer => Spell(pointer.Pointee, PointeePosition(position)) + "*",
            ArrayType array => Spell(array.Element, PointeePosition(position)) + "*", // arrays only reach here as parameters
            NamedType named => position == TypePosition.FunctionPointer && named.Kind != NamedTypeKind.Callback
                ? $"global::{options.Namespace}.{named.Name}"
                : named.Name,
            FunctionPointerType function => SpellFunctionPointer(function),
            _ => throw new InvalidOperationException($"Unknown C type {type}."),
        };
    }

    /// <summary>Whether the type needs <c>[MarshalAs(UnmanagedType.U1)]</c> in a LibraryImport signature.</summary>
    public static bool IsBool(CType type) => type is BoolType;

    public string SpellFunctionPointer(FunctionPointerType function)
    {
        IEnumerable<string> parts = function.Parameters.Select(p => Spell(p, TypePosition.FunctionPointer))
            .Append(Spell(function.Return, TypePosition.FunctionPointer));
        return $"delegate* unmanaged[Cdecl]<{string.Join(", ", parts)}>";
    }

    // Below a pointer nothing is marshalled: bool is a byte and handles are raw pointers.
    private static TypePosition PointeePosition(TypePosition position) =>
        position == TypePosition.FunctionPointer ? TypePosition.FunctionPointer : TypePosition.Field;

    private bool TrySpellHandle(CType type, bool isReleaseFunction, out string spelled)
    {
        spelled = string.Empty;

        // T* (opaque struct) or T (handle typedef): the handle itself.
        string? owned = OwnedHandleName(type);
        if (owned is not null && options.Handles.TryGetValue(owned, out HandleBinding? binding))
        {
            spelled = isReleaseFunction && binding.ReleaseFunction.Length > 0 ? "nint" : binding.SafeHandleType;
            return true;
        }

        // T** or T_t*: where a create function writes a new handle.
        if (type is PointerType { PointeeIsConst: false } outPointer &&
            OwnedHandleName(outPointer.Pointee) is { } target &&
            options.Handles.TryGetValue(target, out HandleBinding? outBinding))
        {
            spelled = "out " + outBinding.SafeHandleType;
            return true;
        }

        return false;
    }

    private static string? OwnedHandleName(CType type) => type switch
    {
        PointerType { Pointee: NamedType { Kind: NamedTypeKind.Opaque } opaque } => opaque.Name,
        NamedType { Kind: NamedTypeKind.HandleTypedef } handle => handle.Name,
        _ => null,
    };
}
