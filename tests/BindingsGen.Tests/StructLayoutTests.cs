using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace RingAttention.BindingsGen.Tests;

/// <summary>
/// The generated structs, compiled, must have exactly the size and field offsets the C compiler gives the same
/// header: checked against <c>cc</c> (not only against libclang, which produced the code).
/// </summary>
public sealed class StructLayoutTests
{
    // Padding after a small field, after bool and char arrays, nested structs, inline arrays of size_t and
    // of structs, handles and callbacks as fields: every case where a wrong mapping would shift a field.
    private const string Header = """
        #include <stdint.h>
        #include <stddef.h>
        #include <stdbool.h>
        typedef struct t_ctx t_ctx;
        typedef void* t_stream;
        typedef void (*t_log_fn)(int32_t level, const char* message);
        typedef enum t_kind { T_KIND_A = 1, T_KIND_B = 2 } t_kind;
        typedef struct t_small { int8_t a; int64_t b; uint16_t c; } t_small;
        typedef struct t_flags { bool on; double value; bool off; } t_flags;
        typedef struct t_text { char name[3]; int32_t after; uint8_t bytes[128]; } t_text;
        typedef struct t_nested { int32_t head; t_small inner; t_small pair[2]; size_t sizes[3]; } t_nested;
        typedef struct t_handles { t_ctx* ctx; t_stream stream; t_log_fn log; t_kind kind; float scale; } t_handles;
        typedef struct t_desc {
            int64_t batch;
            int32_t dtype;
            int64_t window;
            float scale;
            int32_t deterministic;
            int64_t q_stride[4];
        } t_desc;
        typedef struct t_outer { t_desc fwd; int64_t lse_stride[3]; } t_outer;
        """;

    private static readonly string[] StructNames = ["t_small", "t_flags", "t_text", "t_nested", "t_handles", "t_desc", "t_outer"];

    [Fact]
    public void Generated_structs_match_the_C_compiler_layout()
    {
        Assert.SkipWhen(CCompiler.MissingReason is not null, CCompiler.MissingReason ?? string.Empty);

        var bindings = GeneratedBindings.FromHeader(Header);
        Assembly assembly = InMemoryCompiler.Compile(bindings.Files.Select(f => f.Content));
        Dictionary<string, Dictionary<string, long>> cLayout = MeasureWithC(bindings.HeaderPath, assembly);

        foreach (string name in StructNames)
        {
            Type type = assembly.GetType("Test.Interop." + name, throwOnError: true)!;
            Assert.Equal(cLayout[name]["sizeof"], ManagedSize(type));
            foreach (FieldInfo field in InstanceFields(type))
            {
                Assert.Equal(cLayout[name][field.Name], (long)Marshal.OffsetOf(type, field.Name));
            }
        }
    }

    [Fact]
    public void Clang_layout_recorded_in_the_docs_matches_the_C_compiler()
    {
        Assert.SkipWhen(CCompiler.MissingReason is not null, CCompiler.MissingReason ?? string.Empty);

        var bindings = GeneratedBindings.FromHeader(Header);
        string structs = bindings["Structs.g.cs"];
        Assembly assembly = InMemoryCompiler.Compile(bindings.Files.Select(f => f.Content));
        Dictionary<string, Dictionary<string, long>> cLayout = MeasureWithC(bindings.HeaderPath, assembly);
        foreach (string name in StructNames)
        {
            string expected = string.Create(CultureInfo.InvariantCulture, $"C layout on x86-64: {cLayout[name]["sizeof"]} bytes");
            int at = structs.IndexOf("internal unsafe partial struct " + name + "\n", StringComparison.Ordinal);
            string before = structs[..at];
            Assert.Contains(expected, before[before.LastIndexOf("/// <summary>", StringComparison.Ordinal)..], StringComparison.Ordinal);
        }
    }

    /// <summary>sizeof and offsetof of every struct and field, printed by a C program that includes the header.</summary>
    private static Dictionary<string, Dictionary<string, long>> MeasureWithC(string headerPath, Assembly assembly)
    {
        var program = new StringBuilder();
        program.Append("#include <stdio.h>\n#include <stddef.h>\n#include \"").Append(Path.GetFileName(headerPath)).Append("\"\nint main(void) {\n");
        foreach (string name in StructNames)
        {
            Type type = assembly.GetType("Test.Interop." + name, throwOnError: true)!;
            program.Append(CultureInfo.InvariantCulture, $"  printf(\"{name} sizeof %zu\\n\", sizeof({name}));\n");
            foreach (FieldInfo field in InstanceFields(type))
            {
                program.Append(CultureInfo.InvariantCulture, $"  printf(\"{name} {field.Name} %zu\\n\", offsetof({name}, {field.Name}));\n");
            }
        }

        program.Append("  return 0;\n}\n");
        string output = CCompiler.CompileAndRun(program.ToString(), Path.GetDirectoryName(headerPath)!);

        var layout = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            if (!layout.TryGetValue(parts[0], out var fields))
            {
                layout[parts[0]] = fields = new Dictionary<string, long>(StringComparer.Ordinal);
            }

            fields[parts[1]] = long.Parse(parts[2], CultureInfo.InvariantCulture);
        }

        return layout;
    }

    private static FieldInfo[] InstanceFields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    private static long ManagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
}
