using System.Globalization;
using System.Text;
using RingAttention.BindingsGen.Model;

namespace RingAttention.BindingsGen.Emit;

/// <summary>
/// Writes groups of <c>#define</c> constants that share a prefix (RINGATTN_STATUS_*, ...) as C# enums, plus a
/// table of the header's names for each enum, so that managed code can name a value without the native library.
/// </summary>
/// <remarks>
/// A C header has no type for such a group: the generator is told the prefix (<see cref="ConstantEnumBinding"/>).
/// The member names are the suffixes in PascalCase (RINGATTN_STATUS_INVALID_ARGUMENT → InvalidArgument).
/// </remarks>
internal static class ConstantEnumWriter
{
    /// <summary>The constants of <paramref name="binding"/>'s group, in the header's order; an error when none match.</summary>
    public static IReadOnlyList<ConstantDeclaration> Members(HeaderModel model, ConstantEnumBinding binding)
    {
        List<ConstantDeclaration> members = model.Constants.Where(c => c.Name.StartsWith(binding.Prefix, StringComparison.Ordinal)).ToList();
        if (members.Count == 0)
        {
            throw new InvalidDataException($"No #define constant of the header starts with {binding.Prefix} (enum {binding.EnumName}).");
        }

        ConstantDeclaration? notInt = members.FirstOrDefault(c => c.CSharpType != "int");
        if (notInt is not null)
        {
            throw new InvalidDataException($"{notInt.Name} is a {notInt.CSharpType}, not an int: enum {binding.EnumName} takes int constants only.");
        }

        return members;
    }

    public static void Write(CodeWriter w, HeaderModel model, GeneratorOptions options)
    {
        // Generated files are outside the project's nullable context unless they say so; NameOf returns string?.
        w.Line("#nullable enable");
        w.Line();
        w.Line($"namespace {options.Namespace};");
        foreach (ConstantEnumBinding binding in options.ConstantEnums)
        {
            IReadOnlyList<ConstantDeclaration> members = Members(model, binding);
            string access = binding.IsPublic ? "public" : "internal";

            w.Line();
            w.Line($"/// <summary>{DocComment.EscapeXml(binding.Summary)}</summary>");
            w.Line($"/// <remarks>The header's <c>{binding.Prefix}*</c> constants.</remarks>");
            w.Open($"{access} enum {binding.EnumName}");
            for (int i = 0; i < members.Count; i++)
            {
                if (i > 0)
                {
                    w.Line();
                }

                DocWriter.Write(w, members[i].Doc, $"{members[i].Name}.");
                w.Line($"{MemberName(members[i].Name, binding.Prefix)} = {members[i].Value},");
            }

            w.Close();

            w.Line();
            w.Line($"/// <summary>The header's names of the <see cref=\"{binding.EnumName}\"/> values.</summary>");
            w.Open($"internal static class {binding.EnumName}Names");
            w.Line($"/// <summary>\"{members[0].Name}\" for <see cref=\"{binding.EnumName}.{MemberName(members[0].Name, binding.Prefix)}\"/>; null for a value the header does not define.</summary>");
            w.Line($"internal static string? NameOf({binding.EnumName} value) => value switch");
            w.Line("{");
            foreach (ConstantDeclaration member in members)
            {
                w.Line($"    {binding.EnumName}.{MemberName(member.Name, binding.Prefix)} => \"{member.Name}\",");
            }

            w.Line("    _ => null,");
            w.Line("};");
            w.Close();
        }
    }

    /// <summary>"RINGATTN_STATUS_INVALID_ARGUMENT" with prefix "RINGATTN_STATUS_" → "InvalidArgument".</summary>
    internal static string MemberName(string constant, string prefix)
    {
        var name = new StringBuilder();
        foreach (string word in constant[prefix.Length..].Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            name.Append(char.ToUpperInvariant(word[0])).Append(word[1..].ToLower(CultureInfo.InvariantCulture));
        }

        if (name.Length == 0 || char.IsDigit(name[0]))
        {
            throw new InvalidDataException($"{constant} gives no C# identifier after its prefix {prefix}.");
        }

        return name.ToString();
    }
}
