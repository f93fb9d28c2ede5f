using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spindle.Scheduling;

namespace Spindle.Cli.Tour;

/// <summary>Python's sched and Celery beat on the Scheduler: entries with priorities run for real, and a cron entry's next occurrences.</summary>
internal sealed class SchedulerChapter : TourChapter
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    internal override string Name => "scheduler";

    internal override string Title => "scheduler: sched, intervals and cron";

    internal override string Summary => "sched-style entries with priorities run on a real Scheduler, an interval entry cancelled after three ticks, and a cron entry's next occurrences across a daylight-saving change.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        console.MarkupLine("[bold]sched[/]: [blue]s.enterabs(t, priority, f)[/] → [blue]scheduler.At(t, f, new EntryOptions { Priority = p })[/] (higher runs first here; sched runs the lower number first).");
        var runs = new ConcurrentQueue<string>();
        long started = Stopwatch.GetTimestamp();
        string Clock() => $"{Stopwatch.GetElapsedTime(started).TotalMilliseconds,4:F0} ms";

        // One run at a time, as in sched: runs due at the same moment then go strictly by priority.
        await using (var scheduler = Scheduler.Create(new SchedulerOptions { MaxConcurrency = 1 }))
        {
            DateTimeOffset now = scheduler.TimeProvider.GetUtcNow();
            Func<CancellationToken, ValueTask> Say(string what) => _ =>
            {
                runs.Enqueue($"{Clock()}  {what}");
                return ValueTask.CompletedTask;
            };

            var entries = new List<ScheduledEntry>
            {
                scheduler.At(now.AddMilliseconds(300), Say("low    (priority 1, due at 300 ms)"), new EntryOptions { Name = "low", Priority = 1 }),
                scheduler.At(now.AddMilliseconds(300), Say("urgent (priority 9, due at 300 ms)"), new EntryOptions { Name = "urgent", Priority = 9 }),
                scheduler.At(now.AddMilliseconds(300), Say("normal (priority 5, due at 300 ms)"), new EntryOptions { Name = "normal", Priority = 5 }),
                scheduler.At(now.AddMilliseconds(100), Say("early  (priority 0, due at 100 ms)"), new EntryOptions { Name = "early" }),
            };
            await Task.WhenAll(entries.Select(e => e.Completion)).WaitAsync(WaitLimit, cancellationToken);

            console.MarkupLine("  added low, urgent, normal (all due at 300 ms), then early (due at 100 ms); they ran:");
            foreach (string run in runs)
            {
                console.MarkupLine($"  [grey]›[/] {Markup.Escape(run)}");
            }

            console.MarkupLine("[bold]every[/]: [blue]celery beat schedule=timedelta(...)[/] → [blue]scheduler.Every(interval, f, IntervalMode.FixedRate)[/]; cancel with [blue]entry.CancelAsync()[/].");
            int ticks = 0;
            var thirdTick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long tickStart = Stopwatch.GetTimestamp();
            var tickTimes = new ConcurrentQueue<double>();
            ScheduledEntry ticker = scheduler.Every(TimeSpan.FromMilliseconds(150), _ =>
            {
                tickTimes.Enqueue(Stopwatch.GetElapsedTime(tickStart).TotalMilliseconds);
                if (Interlocked.Increment(ref ticks) == 3)
                {
                    thirdTick.TrySetResult();
                }

                return ValueTask.CompletedTask;
            });
            await thirdTick.Task.WaitAsync(WaitLimit, cancellationToken);
            await ticker.CancelAsync(cancellationToken);
            console.MarkupLine($"  every 150 ms: ticks at {string.Join(", ", tickTimes.Select(t => $"{t:F0} ms"))}; cancelled after {ticker.RunCount} runs, next run: {(ticker.NextRunAt is null ? "none" : "still planned")}.");

            console.MarkupLine("[bold]cron[/]: [blue]crontab(hour=2, minute=30)[/] with beat_timezone → [blue]scheduler.Cron(\"30 2 * * *\", zone, f)[/], a real entry on this scheduler:");
            ScheduledEntry backup = scheduler.Cron("30 2 * * *", Berlin, _ => ValueTask.CompletedTask, new EntryOptions { Name = "nightly-backup" });
            if (backup.NextRunAt is { } nextRun)
            {
                console.MarkupLine($"  entry '{backup.Name}' ({Markup.Escape($"{backup.Schedule}")}): NextRunAt {Local(nextRun)}; after that:");
                DateTimeOffset? following = nextRun;
                for (int i = 0; i < 2 && following is { } after; i++)
                {
                    following = backup.Schedule.NextAfter(after);
                    if (following is { } at)
                    {
                        console.MarkupLine($"  [grey]›[/] {Local(at)}");
                    }
                }
            }

            await backup.CancelAsync(cancellationToken);
            console.MarkupLine($"  cancelled before its first run: RunCount {backup.RunCount}, NextRunAt {(backup.NextRunAt is null ? "none" : "still planned")}.");
        }

        console.MarkupLine("[bold]cron across daylight saving[/]: the next occurrences are pure math ([blue]Schedule.NextAfter[/]), so any moment can be asked about:");
        TimeZoneInfo berlin = Berlin;
        Schedule nightly = Schedule.Cron("30 2 * * *", berlin);
        var from = new DateTimeOffset(2025, 3, 28, 12, 0, 0, TimeSpan.FromHours(1));
        console.MarkupLine($"  '30 2 * * *' in Europe/Berlin from {from.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)} (clocks go forward 02:00 → 03:00 on 30 March):");
        DateTimeOffset? next = from;
        for (int i = 0; i < 4 && next is { } after; i++)
        {
            next = nightly.NextAfter(after);
            if (next is { } at)
            {
                DateTimeOffset local = TimeZoneInfo.ConvertTime(at, berlin);
                console.MarkupLine($"  [grey]›[/] {local.ToString("ddd yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}  ({at.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC)");
            }
        }

        console.MarkupLine("  02:30 did not exist on 30 March, so that night's run is at 03:00 summer time; on the fall-back night a repeated 02:30 runs once.");
        console.MarkupLine("[grey]Missed runs after a pause follow the entry's policy: RunOnce (default), Skip or RunAll. See docs/scheduler.md.[/]");
    }

    private static string Local(DateTimeOffset at) =>
        $"{TimeZoneInfo.ConvertTime(at, Berlin).ToString("ddd yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)} ({at.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC)";
}
