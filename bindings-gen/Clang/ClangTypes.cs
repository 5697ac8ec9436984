using System.Runtime.InteropServices;

namespace RingAttention.BindingsGen.Clang;

// Mirrors of the by-value structs in clang-c/Index.h and CXString.h. Layouts are copied field by field from
// the C declarations; libclang passes and returns them by value, so they must stay blittable.

/// <summary>clang-c <c>CXString</c>: an owned or borrowed C string; dispose with clang_disposeString.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* Data;
    public uint PrivateFlags;
}

/// <summary>clang-c <c>CXCursor</c>: a node of the AST.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public CXCursorKind Kind;
    public int XData;
    public void* Data0;
    public void* Data1;
    public void* Data2;
}

/// <summary>clang-c <c>CXType</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public CXTypeKind Kind;
    public void* Data0;
    public void* Data1;
}

/// <summary>clang-c <c>CXSourceLocation</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* Ptr0;
    public void* Ptr1;
    public uint IntData;
}

/// <summary>clang-c <c>CXSourceRange</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceRange
{
    public void* Ptr0;
    public void* Ptr1;
    public uint BeginIntData;
    public uint EndIntData;
}

/// <summary>clang-c <c>CXToken</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXToken
{
    public uint IntData0;
    public uint IntData1;
    public uint IntData2;
    public uint IntData3;
    public void* PtrData;
}

/// <summary>clang-c <c>CXUnsavedFile</c>: an in-memory file handed to the parser.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}
