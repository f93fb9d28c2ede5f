namespace Spindle.Queue.Tests;

/// <summary>A database file in a directory of its own under the temp folder, deleted with everything SQLite put beside it.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "spindle-queue-tests", Guid.NewGuid().ToString("N"));
        Path = System.IO.Path.Combine(Directory, "queue.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public string ConnectionString => $"sqlite:{Path}";

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
