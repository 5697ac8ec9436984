using System.Security.Cryptography;
using RingAttention.Cli.Npy;

namespace RingAttention.Cli.Running.Files;

/// <summary>
/// The outputs of one run, written all or nothing: each is written to a temporary file beside it (same directory,
/// so the final rename is atomic and never crosses file systems) and renamed over its real name only by
/// <see cref="Commit"/>, once every output is written. Disposing without committing deletes the temporary files, so
/// a failed run leaves the previous outputs as they were and no partial file behind.
/// </summary>
internal sealed class StagedOutputs : IDisposable
{
    private readonly Dictionary<string, (FileOption Output, string Temporary)> _files = new(StringComparer.Ordinal);
    private bool _committed;

    private StagedOutputs()
    {
    }

    /// <summary>
    /// Checks <paramref name="outputs"/> against <paramref name="inputs"/> and each other, then creates an empty
    /// temporary file for each, which proves its directory writable before any work is done.
    /// </summary>
    /// <exception cref="CliUsageException">An output is unusable; nothing was created.</exception>
    public static StagedOutputs Create(IReadOnlyList<FileOption> inputs, IReadOnlyList<FileOption> outputs)
    {
        OutputChecks.ThrowIfUnusable(inputs, outputs);
        var staged = new StagedOutputs();
        try
        {
            foreach (FileOption output in outputs)
            {
                staged._files.Add(output.Option, (output, CreateTemporary(output)));
            }

            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="array"/> to the temporary file of the output named by <paramref name="option"/>.</summary>
    public void Write(string option, NpyArray array)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        NpyWriter.Write(_files[option].Temporary, array);
    }

    /// <summary>Renames every temporary file over its output; call once every output is written.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        foreach ((FileOption output, string temporary) in _files.Values)
        {
            File.Move(temporary, output.Path, overwrite: true);
        }

        _committed = true;
    }

    /// <summary>Deletes the temporary files that were not committed.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        foreach ((_, string temporary) in _files.Values)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // Cleaning up must not hide the failure that led here.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }

        _files.Clear();
    }

    private static string CreateTemporary(FileOption output)
    {
        string full = Path.GetFullPath(output.Path);
        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.ringattn-tmp");
        try
        {
            // CreateNew: a name that exists already (a leftover, or a race) is never taken over.
            using (new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
            }

            return temporary;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The temporary file's name means nothing to the user; the directory and the cause do.
            string cause = exception is UnauthorizedAccessException
                ? "permission denied"
                : exception.Message.Replace($"'{temporary}'", string.Empty, StringComparison.Ordinal).Replace(temporary, string.Empty, StringComparison.Ordinal).Trim().TrimEnd('.', ':', ' ');
            throw new CliUsageException($"{output.Name}: cannot write in {directory} ({cause})", exception);
        }
    }
}
