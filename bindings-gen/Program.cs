using RingAttention.BindingsGen;
using RingAttention.BindingsGen.Clang;
using RingAttention.BindingsGen.Emit;

// bindings-gen [--config <file.bindings.json>] [--check]
//   Writes the C# bindings for the header the config names, or with --check compares them with the files on disk.
//   Without --config, uses bindings-gen/ringattn_shim.bindings.json (from the repository root) or
//   ./ringattn_shim.bindings.json (from bindings-gen/).
// Exit codes: 0 = written / up to date, 1 = --check found differences, 2 = usage or parse error.
const int Differences = 1;
const int Failure = 2;
string[] defaultConfigs = ["bindings-gen/ringattn_shim.bindings.json", "ringattn_shim.bindings.json"];
bool usageError = false;

string? configPath = null;
bool check = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" when i + 1 < args.Length:
            configPath = args[++i];
            break;
        case "--check":
            check = true;
            break;
        default:
            Console.Error.WriteLine($"bindings-gen: unknown argument '{args[i]}'.");
            usageError = true;
            break;
    }
}

configPath ??= defaultConfigs.FirstOrDefault(File.Exists);
if (usageError || configPath is null)
{
    Console.Error.WriteLine("usage: bindings-gen [--config <file.bindings.json>] [--check]");
    Console.Error.WriteLine($"  without --config, the first of {string.Join(", ", defaultConfigs)} that exists");
    return Failure;
}

try
{
    GeneratorConfig config = GeneratorConfig.Load(configPath);
    if (!File.Exists(config.Header))
    {
        Console.Error.WriteLine($"bindings-gen: header not found: {config.Header}");
        return Failure;
    }

    IReadOnlyList<GeneratedFile> files = Generator.Generate(config.Header, config.ToOptions(), config.ClangArguments);
    if (check)
    {
        CheckReport report = CheckReport.Compare(files, config.Output);
        if (report.UpToDate)
        {
            Console.WriteLine($"bindings-gen: {files.Count} generated files in {config.Output} match {config.Header}.");
            return 0;
        }

        Console.Error.WriteLine($"bindings-gen --check: the files in {config.Output} differ from what {config.Header} generates:");
        foreach (string difference in report.Differences)
        {
            Console.Error.WriteLine("  " + difference);
        }

        Console.Error.WriteLine($"Regenerate with: dotnet run --project bindings-gen -- --config {configPath}");
        return Differences;
    }

    IReadOnlyList<string> touched = Generator.Write(files, config.Output);
    Console.WriteLine(touched.Count == 0
        ? $"bindings-gen: {config.Output} is already up to date."
        : $"bindings-gen: updated {string.Join(", ", touched)} in {config.Output}.");
    return 0;
}
catch (HeaderParseException e)
{
    Console.Error.WriteLine($"bindings-gen: {e.Message}");
    return Failure;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException)
{
    Console.Error.WriteLine($"bindings-gen: {e.Message}");
    return Failure;
}
