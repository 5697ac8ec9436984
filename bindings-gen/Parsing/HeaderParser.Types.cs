using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Parsing;

/// <summary>C types resolved to their C# mapping; types whose size differs between platforms (C <c>long</c>) are refused.</summary>
internal sealed unsafe partial class HeaderParser
{
    private CType Resolve(CXType type, string where)
    {
        type = type.WithoutElaboration();
        switch (type.Kind)
        {
            case CXTypeKind.Typedef:
                string typedefName = type.TypedefName();
                if (WellKnownTypedefs.TryGet(typedefName, out CType wellKnown))
                {
                    return wellKnown;
                }

                if (_typedefTypes.TryGetValue(typedefName, out NamedType? named))
                {
                    return named;
                }

                return Resolve(Libclang.clang_getTypedefDeclUnderlyingType(Libclang.clang_getTypeDeclaration(type)), where);
            case CXTypeKind.Record:
            case CXTypeKind.Enum:
                if (_tagTypes.TryGetValue(TagKey(type), out NamedType? tag))
                {
                    return tag;
                }

                throw new HeaderParseException($"{where}: type '{type.Spelling()}' is not declared in the header being bound.");
            case CXTypeKind.Pointer:
                return ResolvePointer(type, where);
            case CXTypeKind.ConstantArray:
                return new ArrayType(Resolve(Libclang.clang_getArrayElementType(type), where), Libclang.clang_getArraySize(type));
            case CXTypeKind.IncompleteArray:
                return new PointerType(Resolve(Libclang.clang_getArrayElementType(type), where), false);
            case CXTypeKind.Void:
                return VoidType.Instance;
            case CXTypeKind.Bool:
                return BoolType.Instance;
            case CXTypeKind.CharS:
            case CXTypeKind.CharU:
            case CXTypeKind.UChar:
                // Plain char is text: UTF-8 bytes, whatever the platform's char signedness.
                return new PrimitiveType("byte", 1);
            case CXTypeKind.SChar:
                return new PrimitiveType("sbyte", 1);
            case CXTypeKind.Short:
                return new PrimitiveType("short", 2);
            case CXTypeKind.UShort:
                return new PrimitiveType("ushort", 2);
            case CXTypeKind.Int:
                return new PrimitiveType("int", 4);
            case CXTypeKind.UInt:
                return new PrimitiveType("uint", 4);
            case CXTypeKind.LongLong:
                return new PrimitiveType("long", 8);
            case CXTypeKind.ULongLong:
                return new PrimitiveType("ulong", 8);
            case CXTypeKind.Float:
                return new PrimitiveType("float", 4);
            case CXTypeKind.Double:
                return new PrimitiveType("double", 8);
            case CXTypeKind.Long:
            case CXTypeKind.ULong:
                throw new HeaderParseException(
                    $"{where}: C '{type.Spelling()}' is 64-bit on Linux but 32-bit on Windows; use int64_t/uint64_t (or int32_t) in the header.");
            default:
                throw new HeaderParseException($"{where}: C type '{type.Spelling()}' ({type.Kind}) has no mapping in bindings-gen.");
        }
    }

    private CType ResolvePointer(CXType pointer, string where)
    {
        CXType pointee = Libclang.clang_getPointeeType(pointer);
        CXType bare = pointee.WithoutElaboration();
        if (bare.Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
        {
            int count = bare.Kind == CXTypeKind.FunctionProto ? Libclang.clang_getNumArgTypes(bare) : 0;
            var parameters = new List<CType>(count);
            for (uint i = 0; i < count; i++)
            {
                parameters.Add(Resolve(Libclang.clang_getArgType(bare, i), $"{where} callback parameter {i}"));
            }

            return new FunctionPointerType(Resolve(Libclang.clang_getResultType(bare), $"{where} callback return"), parameters);
        }

        return new PointerType(Resolve(pointee, where), pointee.IsConst());
    }
}
