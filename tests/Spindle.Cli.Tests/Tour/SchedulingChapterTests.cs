using System.Globalization;
using System.Text.RegularExpressions;

namespace Spindle.Cli.Tests.Tour;

/// <summary>The scheduler and starvation chapters of issue 4.</summary>
public sealed class SchedulingChapterTests
{
    [Fact]
    public async Task Scheduler_runs_same_moment_entries_by_priority_ticks_three_times_and_shows_cron_across_spring_forward()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("scheduler");
        Assert.Contains("scheduler: sched, intervals and cron", run.Output, StringComparison.Ordinal);

        // Added low, urgent, normal (due together) then early (due sooner): they run early, urgent, normal, low.
        string[] ran = [.. run.Lines.Select(line => Regex.Match(line, @"›\s+\d+ ms\s+(?<name>early|urgent|normal|low)\s")).Where(m => m.Success).Select(m => m.Groups["name"].Value)];
        Assert.Equal(["early", "urgent", "normal", "low"], ran);

        Assert.Matches(@"every 150 ms: ticks at \d+ ms, \d+ ms, \d+ ms; cancelled after 3 runs, next run: none\.", run.Output);

        // A real cron entry on the scheduler: its NextRunAt (02:30 Berlin time, or 03:00 on a spring-forward night), then two more.
        Assert.Matches(@"entry 'nightly-backup' \(cron '30 2 \* \* \*' in Europe/Berlin\): NextRunAt \w{3} \d{4}-\d{2}-\d{2} 0[23]:[03]0 \+0[12]:00 \(\d{2}:\d{2} UTC\); after that:", run.Output);
        Assert.Equal(2, run.Lines.Count(line => Regex.IsMatch(line, @"^\s*› \w{3} \d{4}-\d{2}-\d{2} 0[23]:[03]0 \+0[12]:00 \(\d{2}:\d{2} UTC\)$")));
        Assert.Contains("cancelled before its first run: RunCount 0, NextRunAt none.", run.Output, StringComparison.Ordinal);

        // Berlin, 30 March 2025: 02:30 does not exist; the run is at 03:00 CEST (01:00 UTC).
        Assert.Contains("Sat 2025-03-29 02:30 +01:00  (01:30 UTC)", run.Output, StringComparison.Ordinal);
        Assert.Contains("Sun 2025-03-30 03:00 +02:00  (01:00 UTC)", run.Output, StringComparison.Ordinal);
        Assert.Contains("Mon 2025-03-31 02:30 +02:00  (00:30 UTC)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starvation_prints_the_tutorial_gantt_chart_exactly_and_with_aging_the_low_job_overtakes_later_urgent_ones()
    {
        SpindleRun run = await SpindleRun.TourChapterAsync("starvation");
        Assert.Contains("|         P1         |       P3       |    P2    |\n0                    10               18         23\n", run.Output.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("process 1: start 0, finish 10, wait 0", run.Output, StringComparison.Ordinal);
        Assert.Contains("process 3: start 10, finish 18, wait 10", run.Output, StringComparison.Ordinal);
        Assert.Contains("process 2: start 18, finish 23, wait 18", run.Output, StringComparison.Ordinal);

        (double strictWait, int strictBefore, int strictTotal) = Measured(run.Output, "strict priority");
        (double agedWait, int agedBefore, int agedTotal) = Measured(run.Output, "aging");

        // Strictly, every urgent job goes first; with aging the low job overtakes the urgent jobs that arrive later.
        Assert.Equal(strictTotal, strictBefore);
        Assert.True(agedBefore < agedTotal, $"aging: {agedBefore} of {agedTotal} urgent jobs ran first");

        // The waits are wall-clock measurements of a live pool: only that they were printed is checked, not their size.
        Assert.True(strictWait >= 0 && agedWait >= 0);
    }

    private static (double WaitMs, int Before, int Total) Measured(string output, string label)
    {
        Match m = Regex.Match(output, label + @" \(AgingRate = [^)]*\): the low-priority job waited (?<wait>\d+) ms; (?<before>\d+) of (?<total>\d+)");
        Assert.True(m.Success, output);
        return (
            double.Parse(m.Groups["wait"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["before"].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups["total"].Value, CultureInfo.InvariantCulture));
    }
}
