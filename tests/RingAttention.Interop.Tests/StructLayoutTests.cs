using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using RingAttention.Interop.Tests.Infrastructure;

namespace RingAttention.Interop.Tests;

/// <summary>
/// Every struct generated from ringattn_shim.h has the size and field offsets that the C compiler gives the
/// header: a C program printing sizeof/offsetof is compiled with cc and compared field by field.
/// </summary>
public sealed class StructLayoutTests
{
    [Fact]
    public void Generated_structs_match_the_C_compiler_layout_of_the_shim_header()
    {
        Requires.CCompiler();
        Type[] structs = GeneratedStructs();
        Assert.Contains(structs, t => t.Name == "ringattn_sdpa_bwd_desc");
        Assert.Contains(structs, t => t.Name == "ringattn_nccl_unique_id");

        var program = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"ringattn_shim.h\"\nint main(void) {\n");
        foreach (Type type in structs)
        {
            program.Append(CultureInfo.InvariantCulture, $"  printf(\"{type.Name} sizeof %zu\\n\", sizeof({type.Name}));\n");
            foreach (FieldInfo field in Fields(type))
            {
                program.Append(CultureInfo.InvariantCulture, $"  printf(\"{type.Name} {field.Name} %zu\\n\", offsetof({type.Name}, {field.Name}));\n");
            }
        }

        program.Append("  return 0;\n}\n");
        string directory = Directory.CreateTempSubdirectory("ringattn-layout-").FullName;
        string source = Path.Combine(directory, "layout.c");
        string executable = Path.Combine(directory, "layout");
        File.WriteAllText(source, program.ToString());
        CCompiler.Run("-std=c99", "-Wall", "-Werror", "-I", CCompiler.IncludeDirectory, "-o", executable, source);

        var expected = CCompiler.RunProgram(executable).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var actual = new List<string>();
        foreach (Type type in structs)
        {
            actual.Add(string.Create(CultureInfo.InvariantCulture, $"{type.Name} sizeof {ManagedSize(type)}"));
            actual.AddRange(Fields(type).Select(f => string.Create(CultureInfo.InvariantCulture, $"{type.Name} {f.Name} {Marshal.OffsetOf(type, f.Name)}")));
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Fixed_arrays_have_the_header_lengths()
    {
        Assert.Equal(128, Unsafe.SizeOf<ringattn_nccl_unique_id>());
        Assert.Equal(256 + 4 * 4 + 8, Unsafe.SizeOf<ringattn_device_props>());
    }

    private static Type[] GeneratedStructs() =>
        typeof(NativeMethods).Assembly.GetTypes()
            .Where(t => t.Namespace == "RingAttention.Interop" && t.IsValueType && t.IsLayoutSequential &&
                        t.Name.StartsWith("ringattn_", StringComparison.Ordinal) && Fields(t).Length > 0 &&
                        !t.IsDefined(typeof(CompilerGeneratedAttribute)) && t.GetProperty("Value") is null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToArray();

    private static FieldInfo[] Fields(Type type) => type.GetFields(BindingFlags.Instance | BindingFlags.Public);

    private static int ManagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
}
