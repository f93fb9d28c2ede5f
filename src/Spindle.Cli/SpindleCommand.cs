using System.CommandLine;
using Spectre.Console;
using Spindle.Cli.Bench;
using Spindle.Cli.Tour;

namespace Spindle.Cli;

/// <summary>The <c>spindle</c> command line: built around a console so that tests can read what it prints.</summary>
internal static class SpindleCommand
{
    internal static RootCommand Create(IAnsiConsole console, TextWriter json)
    {
        var root = new RootCommand("Spindle: parallel, concurrent and distributed task execution for .NET.");
        root.Subcommands.Add(TourCommand.Create(console));
        root.Subcommands.Add(BenchCommand.Create(console, json));
        return root;
    }

    internal static Task<int> RunAsync(string[] args, IAnsiConsole console, TextWriter json, CancellationToken cancellationToken = default) =>
        Create(console, json).Parse(args).InvokeAsync(cancellationToken: cancellationToken);
}
