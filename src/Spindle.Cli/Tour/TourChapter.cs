using Spectre.Console;

namespace Spindle.Cli.Tour;

/// <summary>One chapter of <c>spindle tour</c>: runs real Spindle code and prints what it measured.</summary>
internal abstract class TourChapter
{
    /// <summary>The word that selects the chapter: <c>spindle tour NAME</c>.</summary>
    internal abstract string Name { get; }

    /// <summary>The chapter's heading.</summary>
    internal abstract string Title { get; }

    /// <summary>One line for <c>spindle tour --list</c>.</summary>
    internal abstract string Summary { get; }

    internal abstract Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken);
}
