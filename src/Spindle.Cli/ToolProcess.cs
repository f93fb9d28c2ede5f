using System.Diagnostics;
using System.Reflection;
using Spindle.Processes;

namespace Spindle.Cli;

/// <summary>This tool started as a child process of its own: the workers of the tour's queue chapter and of <c>spindle bench queue</c>.</summary>
internal static class ToolProcess
{
    /// <summary>
    /// How to run this tool as a command: as it was started, or, inside another host (the CLI tests run commands in
    /// the test host), its assembly, copied next to the host's, under the <c>dotnet</c> host. The program, then the
    /// arguments that come before the command's.
    /// </summary>
    internal static (string Program, List<string> Prefix) Command() =>
        Assembly.GetEntryAssembly() == typeof(ToolProcess).Assembly
            ? WorkerLauncher.ThisApplication()
            : (WorkerLauncher.DotnetHost(), [Path.Combine(AppContext.BaseDirectory, typeof(ToolProcess).Assembly.GetName().Name + ".dll")]);

    /// <summary>
    /// <c>spindle worker</c> with the given arguments, no shell, every standard stream redirected: the caller reads
    /// the worker's lines, and holds its standard input, which <c>--exit-with-parent</c> watches.
    /// </summary>
    internal static ProcessStartInfo Worker(IEnumerable<string> workerArguments)
    {
        (string program, List<string> prefix) = Command();
        return WorkerLauncher.Redirected(program, [.. prefix, "worker", .. workerArguments]);
    }
}
