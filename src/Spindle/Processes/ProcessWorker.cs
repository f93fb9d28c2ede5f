using Spindle.Processes.Wire;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// Turns a relaunched application into a worker process. A process pool starts workers the way Python's
/// <c>spawn</c> does: it runs the application again, so the application's <c>Main</c> must begin with
/// <see cref="RunIfRequested"/>.
/// </summary>
/// <example>
/// <code>
/// static async Task Main(string[] args)
/// {
///     var catalog = BuildCatalog();
///     ProcessWorker.RunIfRequested(catalog); // in a worker process this serves calls and never returns
///     await using var pool = await ProcessPool.StartAsync(catalog);
///     ...
/// }
/// </code>
/// </example>
public static class ProcessWorker
{
    /// <summary>Whether this process was started by a process pool as one of its workers.</summary>
    public static bool IsWorkerProcess => Environment.GetEnvironmentVariable(WireFormat.WorkerVariable) == "1";

    /// <summary>
    /// In a worker process, serves the pool's calls from <paramref name="catalog"/> and ends the process when
    /// the pool shuts it down or goes away; anywhere else, returns at once.
    /// </summary>
    public static void RunIfRequested(TaskCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (IsWorkerProcess)
        {
            Environment.Exit(WorkerHost.Run(catalog));
        }
    }
}
