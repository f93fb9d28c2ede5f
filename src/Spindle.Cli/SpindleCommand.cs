using System.CommandLine;
using Spectre.Console;
using Spindle.Cli.Bench;
using Spindle.Cli.Queue;
using Spindle.Cli.Tour;

namespace Spindle.Cli;

/// <summary>The <c>spindle</c> command line: built around a console so that tests can read what it prints.</summary>
internal static class SpindleCommand
{
    internal static RootCommand Create(IAnsiConsole console, TextWriter json, TextWriter? errors = null)
    {
        var root = new RootCommand("Spindle: parallel, concurrent and distributed task execution for .NET.");
        root.Subcommands.Add(TourCommand.Create(console));
        root.Subcommands.Add(BenchCommand.Create(console, json, errors ?? Console.Error));
        foreach (Command command in new QueueCommands(console, json, errors ?? Console.Error).Create())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>
    /// Parses and runs. System.CommandLine's own Ctrl+C handling is off (no termination timeout): the long-running
    /// commands handle SIGINT and SIGTERM themselves, so nothing cuts a graceful stop short (<c>spindle worker</c> lets
    /// running jobs finish within its grace period; <c>spindle tour</c> stops its chapter's processes and exits 130/143).
    /// </summary>
    internal static Task<int> RunAsync(string[] args, IAnsiConsole console, TextWriter json, CancellationToken cancellationToken = default, TextWriter? errors = null) =>
        InvokeAsync(Create(console, json, errors).Parse(args), new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellationToken);

    /// <summary>Runs a parsed command line; a usage error (the parser's) exits 2, as the documented exit codes say.</summary>
    internal static async Task<int> InvokeAsync(ParseResult parse, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        int exitCode = await parse.InvokeAsync(configuration, cancellationToken);
        return parse.Errors.Count > 0 && exitCode == 1 ? 2 : exitCode;
    }
}
