using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Spindle.Cli.Tour;

/// <summary><c>spindle tour</c>: the tutorial, run for real, chapter by chapter.</summary>
internal static class TourCommand
{
    internal static IReadOnlyList<TourChapter> Chapters { get; } =
    [
        new MapChapter(),
        new ThreadsChapter(),
        new FuturesChapter(),
        new ProcessesChapter(),
        new SubprocessChapter(),
        new QueueChapter(),
        new PipelineChapter(),
        new SchedulerChapter(),
        new StarvationChapter(),
    ];

    internal static Command Create(IAnsiConsole console)
    {
        var list = new Option<bool>("--list") { Description = "List the chapters and exit." };
        var chapter = new Argument<string?>("chapter") { Description = "Run only this chapter (see --list).", Arity = ArgumentArity.ZeroOrOne };
        var tour = new Command("tour", "Walk through the parallel-programming tutorial: every example runs for real and prints what it measured.")
        {
            list, chapter,
        };
        tour.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(list))
            {
                var table = new Table().AddColumn("chapter").AddColumn("what it shows");
                foreach (TourChapter c in Chapters)
                {
                    table.AddRow(c.Name, Markup.Escape(c.Summary));
                }

                console.Write(table);
                return 0;
            }

            string? name = result.GetValue(chapter);
            IReadOnlyList<TourChapter> selected = Chapters;
            if (name is not null)
            {
                TourChapter? match = Chapters.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    console.MarkupLine($"[red]No chapter named '{Markup.Escape(name)}'.[/] Chapters: {string.Join(", ", Chapters.Select(c => c.Name))}.");
                    return 2;
                }

                selected = [match];
            }

            // The running chapter is cancelled by Ctrl+C or SIGTERM and cleans up (the queue chapter stops its workers).
            using var interruption = new Interruption(cancellationToken);
            long started = Stopwatch.GetTimestamp();
            try
            {
                foreach (TourChapter c in selected)
                {
                    console.Write(new Rule($"[bold yellow]{Markup.Escape(c.Title)}[/]").LeftJustified());
                    await c.RunAsync(console, interruption.Token);
                    console.WriteLine();
                }
            }
            catch (OperationCanceledException) when (interruption.IsInterrupted)
            {
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[yellow]Tour interrupted after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s.[/]"));
                return interruption.ExitCode;
            }

            console.MarkupLine($"[grey]Tour finished in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s.[/]");
            return 0;
        });
        return tour;
    }
}
