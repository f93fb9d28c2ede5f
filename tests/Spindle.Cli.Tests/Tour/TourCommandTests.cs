using System.Text.RegularExpressions;

namespace Spindle.Cli.Tests.Tour;

public sealed class TourCommandTests
{
    private static readonly string[] ChapterNames = ["map", "threads", "futures", "processes", "subprocess", "queue", "pipeline", "scheduler", "starvation"];

    [Fact]
    public async Task List_names_every_chapter_and_runs_none()
    {
        SpindleRun run = await SpindleRun.RunAsync("tour", "--list");

        Assert.Equal(0, run.ExitCode);
        string[] firstCells = [.. run.Lines.Select(FirstCell).Where(cell => cell.Length > 0)];
        Assert.Equal(["chapter", .. ChapterNames], firstCells);
        Assert.Contains("MapCompare", run.Output, StringComparison.Ordinal);
        Assert.Contains("concurrent.futures", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Tour finished", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_chapter_exits_2_and_names_the_chapters_there_are()
    {
        SpindleRun run = await SpindleRun.RunAsync("tour", "nosuch");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("No chapter named 'nosuch'.", run.Output, StringComparison.Ordinal);
        Assert.Contains($"Chapters: {string.Join(", ", ChapterNames)}.", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Tour finished", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Futures_reports_results_as_they_complete_races_and_rethrows()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("futures");
        Assert.Contains("futures: submit, as completed, first completed", run.Output, StringComparison.Ordinal);

        // Submitted slow first and fast second; as completed, fast (50 ms) must come out before slow (300 ms).
        string submitted = Section(run.Output, "submit:", "as completed:");
        Assert.True(submitted.IndexOf("submitted slow.example", StringComparison.Ordinal) < submitted.IndexOf("submitted fast.example", StringComparison.Ordinal), submitted);
        string asCompleted = Section(run.Output, "as completed:", "first completed:");
        foreach (string site in new[] { "slow.example", "fast.example", "medium.example", "quick.example" })
        {
            Assert.Contains($"{site} answered after", asCompleted, StringComparison.Ordinal);
        }

        Assert.True(
            asCompleted.IndexOf("fast.example answered", StringComparison.Ordinal) < asCompleted.IndexOf("slow.example answered", StringComparison.Ordinal),
            $"fast.example should complete before slow.example:\n{asCompleted}");

        // The 300 ms call cannot win the race against the 50 ms one. How many others are still running to be
        // cancelled depends on the machine's load (all of them may have finished on a starved machine).
        Match race = Regex.Match(run.Output, @"first: (?<winner>\S+) after \d+ ms; (?<cancelled>\d+) others cancelled\.");
        Assert.True(race.Success, run.Output);
        Assert.NotEqual("slow.example", race.Groups["winner"].Value);
        Assert.True(int.TryParse(race.Groups["cancelled"].Value, System.Globalization.CultureInfo.InvariantCulture, out int cancelled) && cancelled <= 3, run.Output);

        Assert.Contains("caught InvalidOperationException: disk full", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Threads_runs_every_demo_and_the_lock_loses_nothing()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("threads");
        foreach (string python in new[] { "Thread", "Lock", "RLock", "Condition", "Semaphore", "Event", "Timer", "Barrier", "local" })
        {
            Assert.Contains($"Python: threading.{python}  →  .NET:", run.Output, StringComparison.Ordinal);
        }

        string withLock = Assert.Single(run.Lines, line => line.Contains("with the lock:", StringComparison.Ordinal));
        Match counted = Regex.Match(withLock, @"counted (?<counted>[\d,. ]+) of (?<expected>[\d,. ]+), none lost");
        Assert.True(counted.Success, withLock);
        Assert.Equal(counted.Groups["expected"].Value, counted.Groups["counted"].Value);

        Assert.Contains("the consumer received 1, 2, 3, 4, 5 of 5", run.Output, StringComparison.Ordinal);
        Assert.Contains("another thread's TryEnter meanwhile returned False", run.Output, StringComparison.Ordinal);
        Assert.Contains("3 parties passed 2 phases, 0 timed out.", run.Output, StringComparison.Ordinal);

        // The demos report their own trouble (a thread that failed or outlived its join) instead of hanging.
        Assert.DoesNotContain("not every thread finished", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("a thread failed", run.Output, StringComparison.Ordinal);
    }

    // The one slow test here: the map chapter runs a real, if shortened, benchmark (several seconds).
    [Fact]
    public async Task Map_prints_a_table_per_workload_and_the_heavy_speed_up()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("map");
        Assert.Contains("trivial: x*x per item", run.Output, StringComparison.Ordinal);
        Assert.Contains("heavy: 200 rounds", run.Output, StringComparison.Ordinal);
        foreach (string variant in new[] { "sequential", "workerpool", "parallel-for", "plinq" })
        {
            Assert.Equal(2, run.Lines.Count(line => FirstCell(line) == variant));
        }

        Assert.Matches(@"the heavy map ran \S+× faster on the WorkerPool than in a loop\.", run.Output);
    }

    [Fact]
    public async Task Pipeline_shows_every_stage_and_marks_the_slow_one_as_the_bottleneck()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("pipeline");
        Assert.Contains("pipeline: a task decomposed into stages of workers", run.Output, StringComparison.Ordinal);
        Assert.Contains("pl.thread.map(f, stage, workers=4, maxsize=64)", run.Output, StringComparison.Ordinal);

        // Three snapshots (midway, end, and the rerun), each with a row per stage and the source and sink.
        foreach (string stage in new[] { "source", "parse", "transform", "write", "sink" })
        {
            Assert.Equal(3, run.Lines.Count(line => Regex.IsMatch(line, $@"^\s*{stage}\s+\d")));
        }

        // The marker sits on the transform rows and nowhere else.
        string[] marked = [.. run.Lines.Where(line => line.EndsWith('◀'))];
        Assert.Equal(3, marked.Length);
        Assert.All(marked, line => Assert.StartsWith("transform", line.TrimStart(), StringComparison.Ordinal));
        Assert.Matches(@"◀ bottleneck: transform \(\d+ % busy\); 400 records in \d+ ms\.", run.Output);
        Assert.Matches(@"transform with 16 workers: 400 records in \d+ ms, \S+× the throughput of 4 workers\.", run.Output);

        // At the end every stage has passed all 400 records on.
        string end = Section(run.Output, "at the end:", "◀ bottleneck:");
        Assert.Equal(4, end.Split('\n').Count(line => Regex.IsMatch(line, @"^\s+(parse|transform|write|sink)\s+\d+\s+0\s+400\s+400\s")));
    }

    [Fact]
    public async Task A_chapter_name_is_matched_ignoring_case()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("FUTURES");

        Assert.Contains("futures: submit, as completed, first completed", run.Output, StringComparison.Ordinal);
    }

    /// <summary>The first cell of a table row, or empty for any other line.</summary>
    private static string FirstCell(string line)
    {
        string[] cells = line.Split('│');
        return cells.Length > 2 ? cells[1].Trim() : "";
    }

    private static string Section(string output, string from, string to)
    {
        int start = output.IndexOf(from, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{from}' in:\n{output}");
        int end = output.IndexOf(to, start, StringComparison.Ordinal);
        Assert.True(end > start, $"no '{to}' after '{from}' in:\n{output}");
        return output[start..end];
    }
}
