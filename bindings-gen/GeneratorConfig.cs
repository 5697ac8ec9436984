using System.Text.Json;
using System.Text.Json.Serialization;
using RingAttention.BindingsGen.Emit;

namespace RingAttention.BindingsGen;

/// <summary>
/// The JSON file that says what to bind (see ringattn_shim.bindings.json). Paths in it are relative to the file,
/// so the tool gives the same output from any working directory.
/// </summary>
/// <remarks>
/// Properties have setters, not init accessors: the JSON source generator assigns every init-only property, so
/// an absent key would overwrite the default with null.
/// </remarks>
internal sealed record GeneratorConfig
{
    public string Header { get; set; } = string.Empty;

    public string Output { get; set; } = string.Empty;

    public string Namespace { get; set; } = "RingAttention.Interop";

    public string Library { get; set; } = "ringattn_shim";

    public string MethodsClass { get; set; } = "NativeMethods";

    public string ConstantsClass { get; set; } = "NativeConstants";

    public IReadOnlyList<string> ClangArguments { get; set; } = [];

    public IReadOnlyDictionary<string, HandleConfig> Handles { get; set; } = new Dictionary<string, HandleConfig>();

    public IReadOnlyList<ConstantEnumConfig> ConstantEnums { get; set; } = [];

    /// <summary>Reads <paramref name="path"/> and makes its relative paths absolute.</summary>
    public static GeneratorConfig Load(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        GeneratorConfig config = JsonSerializer.Deserialize(File.ReadAllText(path), ConfigJsonContext.Default.GeneratorConfig)
            ?? throw new InvalidDataException($"{path} is empty.");
        if (config.Header.Length == 0 || config.Output.Length == 0)
        {
            throw new InvalidDataException($"{path} must name \"header\" and \"output\".");
        }

        return config with
        {
            Header = Path.GetFullPath(Path.Combine(directory, config.Header)),
            Output = Path.GetFullPath(Path.Combine(directory, config.Output)),
        };
    }

    public GeneratorOptions ToOptions() => new()
    {
        Namespace = Namespace,
        LibraryName = Library,
        MethodsClass = MethodsClass,
        ConstantsClass = ConstantsClass,
        HeaderDisplayName = Path.GetFileName(Header),
        Handles = Handles.ToDictionary(h => h.Key, h => new HandleBinding(h.Value.SafeHandle, h.Value.Release ?? string.Empty), StringComparer.Ordinal),
        ConstantEnums = ConstantEnums.Select(e => new ConstantEnumBinding(e.Prefix, e.Name, e.Public, e.Summary)).ToList(),
    };
}

/// <summary>One entry of <see cref="GeneratorConfig.Handles"/>.</summary>
internal sealed record HandleConfig
{
    public string SafeHandle { get; set; } = string.Empty;

    public string? Release { get; set; }
}

/// <summary>One entry of <see cref="GeneratorConfig.ConstantEnums"/>.</summary>
internal sealed record ConstantEnumConfig
{
    public string Prefix { get; set; } = string.Empty;

    public string Name { get; set; } = string.Empty;

    public bool Public { get; set; }

    public string Summary { get; set; } = string.Empty;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(GeneratorConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
