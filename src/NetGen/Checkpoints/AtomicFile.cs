using System.Diagnostics;
using System.Globalization;

namespace NetGen.Checkpoints;

/// <summary>
/// Writes a file through a temporary file in the same folder that is renamed over the target only once it is
/// complete and flushed: a failure (or a kill) never leaves a half target. Checkpoints, ONNX export and IDX files
/// all save this way.
/// </summary>
/// <remarks>
/// The temporary file is named <c>.{target name, cut to 200 characters}.{hash of the full name}-{process id}-{random}.tmp</c>:
/// <list type="bullet">
/// <item>at most 1 + 200 + 1 + 8 + 1 + 10 + 1 + 8 + 4 = 234 characters, so it fits wherever the target's name fits (file
/// systems limit a name to 255), whatever the target's length;</item>
/// <item>a process killed mid-save (SIGKILL, power loss) leaves its temporary file behind; the next save of the same
/// target removes every temporary of that target whose process is no longer running on this machine, and leaves alone
/// those of running processes (another save of the same target may be under way).</item>
/// </list>
/// </remarks>
internal static class AtomicFile
{
    private const int MaxNamePrefix = 200;

    /// <summary>Writes <paramref name="path"/> through a temporary file; <paramref name="write"/> fills the stream.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? ".";
        string prefix = TemporaryPrefix(Path.GetFileName(fullPath));
        RemoveStale(folder, prefix);
        string temporaryPath = Path.Combine(folder,
            string.Create(CultureInfo.InvariantCulture, $"{prefix}{Environment.ProcessId}-{Random.Shared.Next():x8}.tmp"));
        try
        {
            using (var file = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporaryPath);
            throw;
        }
    }

    /// <summary>
    /// The start every temporary file of the target <paramref name="fileName"/> shares, up to the process id:
    /// <c>.{name, cut to 200 characters}.{FNV-1a hash of the full name, 8 hex digits}-</c>. The hash keeps two long names
    /// that share their first 200 characters apart; it is computed here, not with <see cref="string.GetHashCode()"/>,
    /// which differs from one process to the next.
    /// </summary>
    internal static string TemporaryPrefix(string fileName)
    {
        uint hash = 2166136261;
        foreach (char c in fileName) hash = (hash ^ c) * 16777619;
        string kept = fileName.Length <= MaxNamePrefix ? fileName : fileName[..MaxNamePrefix];
        return string.Create(CultureInfo.InvariantCulture, $".{kept}.{hash:x8}-");
    }

    // Temporaries of this target left by processes that no longer run; a file that cannot be removed (another user's,
    // a read-only folder) is left, as the save itself does not depend on it.
    private static void RemoveStale(string folder, string prefix)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, "*.tmp");
        }
        catch (IOException)
        {
            return;
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            string name = Path.GetFileName(candidate);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int dash = name.IndexOf('-', prefix.Length);
            if (dash < 0 || !int.TryParse(name.AsSpan(prefix.Length, dash - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int processId))
                continue;
            if (processId == Environment.ProcessId || IsRunning(processId)) continue;
            try
            {
                File.Delete(candidate);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using Process process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;   // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true;    // exists, but we may not inspect it: keep its file
        }
    }
}
