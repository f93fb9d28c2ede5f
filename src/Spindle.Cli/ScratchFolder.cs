using System.Globalization;

namespace Spindle.Cli;

/// <summary>
/// A temporary folder of this process (a benchmark's or the tour's store), named with its process id, so that one
/// left behind by a process killed before it could clean up (SIGKILL) is deleted by the next run: any folder of the
/// same kind whose process no longer lives.
/// </summary>
internal static class ScratchFolder
{
    /// <summary>Deletes the leftovers of dead processes under <paramref name="prefix"/>, then creates this process's folder.</summary>
    internal static string Create(string prefix, string? root = null)
    {
        RemoveLeftovers(prefix, root);
        string folder = Path.Combine(root ?? Path.GetTempPath(), $"{prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Deletes quietly: a leftover temporary folder is not worth failing a run for.</summary>
    internal static void Delete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Deletes every <c>{prefix}{pid}-*</c> folder under <paramref name="root"/> whose process has exited. A folder
    /// whose process id was reused by a live process stays until that process is gone too.
    /// </summary>
    internal static void RemoveLeftovers(string prefix, string? root = null)
    {
        string directory = root ?? Path.GetTempPath();
        IEnumerable<string> folders;
        try
        {
            folders = Directory.EnumerateDirectories(directory, prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string folder in folders)
        {
            string name = Path.GetFileName(folder);
            int dash = name.IndexOf('-', prefix.Length);
            if (dash > prefix.Length
                && int.TryParse(name.AsSpan(prefix.Length, dash - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId
                && !IsAlive(pid))
            {
                Delete(folder);
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            return Directory.Exists($"/proc/{pid}");
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
