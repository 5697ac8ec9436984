using System.Globalization;
using System.Text;
using RingAttention.Interop;
using static System.FormattableString;

namespace RingAttention.Benchmarks;

/// <summary>What the numbers were measured on: the card, the driver and library versions, the commit and the date.</summary>
/// <param name="Card">Device name, e.g. "NVIDIA H100 80GB HBM3".</param>
/// <param name="ComputeCapability">e.g. "9.0".</param>
/// <param name="MemoryGiB">Device memory.</param>
/// <param name="Driver">NVIDIA driver version (from /proc/driver/nvidia/version), or "unknown".</param>
/// <param name="CudaDriverApi">Highest CUDA version the driver supports.</param>
/// <param name="CudaRuntime">CUDA runtime the shim loaded.</param>
/// <param name="CudnnRuntime">cuDNN loaded at run time (the shim's version query).</param>
/// <param name="CudnnCompiled">cuDNN headers the shim was built with.</param>
/// <param name="CudnnFrontend">cudnn-frontend compiled into the shim.</param>
/// <param name="NcclRuntime">NCCL loaded at run time.</param>
/// <param name="ShimPath">Where libringattn_shim.so was loaded from.</param>
/// <param name="Commit">Git commit (GIT_COMMIT or .git).</param>
/// <param name="DateUtc">When the run started, ISO 8601 UTC.</param>
/// <param name="DotNet">The .NET runtime.</param>
public sealed record GpuEnvironment(
    string Card,
    string ComputeCapability,
    double MemoryGiB,
    string Driver,
    string CudaDriverApi,
    string CudaRuntime,
    string CudnnRuntime,
    string CudnnCompiled,
    string CudnnFrontend,
    string NcclRuntime,
    string ShimPath,
    string Commit,
    string DateUtc,
    string DotNet)
{
    /// <summary>The card's name as a file name: "nvidia-h100-80gb-hbm3".</summary>
    public string CardSlug
    {
        get
        {
            var slug = new StringBuilder();
            foreach (char ch in Card.ToLowerInvariant())
            {
                if (char.IsAsciiLetterOrDigit(ch))
                {
                    slug.Append(ch);
                }
                else if (slug.Length > 0 && slug[^1] != '-')
                {
                    slug.Append('-');
                }
            }

            string text = slug.ToString().Trim('-');
            return text.Length == 0 ? "unknown-card" : text;
        }
    }

    /// <summary>Reads everything from the shim (device 0), /proc and the repository.</summary>
    public static unsafe GpuEnvironment Read()
    {
        NativeVersions v = NativeRuntime.GetVersions();
        ringattn_device_props props = default;
        ShimStatus.Check(NativeMethods.ringattn_cuda_device_props(0, &props));
        string card = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(props.name, 256)).Split('\0')[0].Trim();
        return new GpuEnvironment(
            card.Length == 0 ? "unknown card" : card,
            Invariant($"{props.cc_major}.{props.cc_minor}"),
            Math.Round(props.total_memory_bytes / (1024.0 * 1024 * 1024), 1),
            ReadDriver(),
            Cuda(v.CudaDriver),
            Cuda(v.CudaRuntime),
            Triple(v.CudnnRuntime),
            Triple(v.CudnnCompiled),
            Triple(v.CudnnFrontend),
            Triple(v.NcclRuntime),
            v.LibraryPath,
            ReadCommit(),
            DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    /// <summary>12080 → "12.8".</summary>
    private static string Cuda(int version) => version <= 0 ? "none" : Invariant($"{version / 1000}.{version % 1000 / 10}");

    /// <summary>91400 → "9.14.0" (cuDNN 9, NCCL and the frontend all encode major·10000 + minor·100 + patch).</summary>
    private static string Triple(long version) => version <= 0 ? "none" : Invariant($"{version / 10000}.{version / 100 % 100}.{version % 100}");

    private static string ReadDriver()
    {
        try
        {
            // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  ..." or
            // "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  ...": the first dotted number.
            string text = File.ReadAllText("/proc/driver/nvidia/version");
            System.Text.RegularExpressions.Match version = System.Text.RegularExpressions.Regex.Match(text, @"\b\d+\.\d+(\.\d+)?\b");
            return version.Success ? version.Value : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>GIT_COMMIT, else the HEAD of the .git above the working directory (read as files: no process is started).</summary>
    private static string ReadCommit()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("GIT_COMMIT");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        try
        {
            for (DirectoryInfo? dir = new(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            {
                string git = Path.Combine(dir.FullName, ".git");
                if (!Directory.Exists(git))
                {
                    continue;
                }

                string head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
                if (!head.StartsWith("ref: ", StringComparison.Ordinal))
                {
                    return head;
                }

                string name = head[5..];
                string loose = Path.Combine(git, name);
                if (File.Exists(loose))
                {
                    return File.ReadAllText(loose).Trim();
                }

                string packed = Path.Combine(git, "packed-refs");
                if (File.Exists(packed))
                {
                    foreach (string line in File.ReadLines(packed))
                    {
                        if (line.EndsWith(" " + name, StringComparison.Ordinal))
                        {
                            return line[..line.IndexOf(' ', StringComparison.Ordinal)];
                        }
                    }
                }

                return "unknown";
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return "unknown";
    }
}
