namespace Spindle.Cli;

/// <summary>
/// A temporary folder of this process (a benchmark's or the tour's store), readable only by its user, that holds
/// an exclusive lock on its <c>owner.lock</c> file while it lives. A folder whose lock nobody holds was left by a
/// process killed before it could clean up (SIGKILL): the next folder of the same kind deletes it. The lock, not the
/// process id in the name, says whether its process still lives, so a reused id or another pid namespace cannot
/// make a live folder look dead.
/// </summary>
internal sealed class ScratchFolder : IDisposable
{
    private const string OwnerFile = "owner.lock";

    private readonly FileStream _owner;

    private ScratchFolder(string path, FileStream owner)
    {
        Path = path;
        _owner = owner;
    }

    internal string Path { get; }

    /// <summary>Deletes the leftovers of dead processes under <paramref name="prefix"/>, then creates and locks this process's folder.</summary>
    internal static ScratchFolder Create(string prefix, string? root = null)
    {
        RemoveLeftovers(prefix, root);
        string path = System.IO.Path.Combine(root ?? System.IO.Path.GetTempPath(), $"{prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new ScratchFolder(path, new FileStream(System.IO.Path.Combine(path, OwnerFile), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None));
    }

    /// <summary>Releases the lock and deletes the folder, quietly: a leftover temporary folder is not worth failing a run for.</summary>
    public void Dispose()
    {
        _owner.Dispose();
        Delete(Path);
    }

    /// <summary>
    /// Deletes every <c>{prefix}*</c> folder under <paramref name="root"/> whose <c>owner.lock</c> nobody holds. A folder
    /// without one (just being created, or not ours) and one whose lock cannot be opened (another user's) stay.
    /// </summary>
    internal static void RemoveLeftovers(string prefix, string? root = null)
    {
        List<string> folders;
        try
        {
            folders = [.. Directory.EnumerateDirectories(root ?? System.IO.Path.GetTempPath(), prefix + "*")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string folder in folders)
        {
            string owner = System.IO.Path.Combine(folder, OwnerFile);
            try
            {
                if (!File.Exists(owner))
                {
                    continue;
                }

                // Opening it exclusively succeeds only when no live process holds it.
                new FileStream(owner, FileMode.Open, FileAccess.ReadWrite, FileShare.None).Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            Delete(folder);
        }
    }

    private static void Delete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
