using System.Reflection;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Cli.Tour;

/// <summary>Starts the process pools of the tour's chapters, with this tool as their worker program.</summary>
internal static class TourPools
{
    /// <summary>
    /// Starts a pool whose workers are this tool. Run as <c>spindle</c>, the pool relaunches the tool by itself.
    /// Run inside another host (the CLI tests run chapters in the test host, whose <c>Main</c> serves no calls),
    /// the pool is pointed at the tool's assembly, which is copied next to the host's.
    /// </summary>
    internal static Task<ProcessPool> StartAsync(TaskCatalog catalog, ProcessPoolOptions options, CancellationToken cancellationToken)
    {
        Assembly tool = typeof(TourPools).Assembly;
        string? program = Assembly.GetEntryAssembly() == tool ? null : Path.Combine(AppContext.BaseDirectory, tool.GetName().Name + ".dll");
        return ProcessPool.StartAsync(catalog, options with { WorkerProgram = program }, cancellationToken);
    }
}
