using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;
using Spindle.Pools;
using Spindle.Scheduling;

namespace Spindle.Cli.Tour;

/// <summary>The tutorial's priority table as a Gantt chart, then starvation on a real pool and aging ending it.</summary>
internal sealed class StarvationChapter : TourChapter
{
    private const int UrgentPriority = 10;
    private const int InitialBacklog = 10;
    private const double AgingRate = 40; // points per second: the 10 points between the priorities in 0.25 s
    private static readonly TimeSpan UrgentWork = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan ArrivalEvery = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StreamFor = TimeSpan.FromSeconds(1.2);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    internal override string Name => "starvation";

    internal override string Title => "starvation: priority scheduling, starvation and aging";

    internal override string Summary => "The tutorial's non-preemptive priority table as a Gantt chart from the simulator, then a low-priority job starved by a stream of urgent ones on a real WorkerPool, and aging ending it.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        SimulatedJob[] table = [new("1", 10, 2), new("2", 5, 0), new("3", 8, 1)];
        IReadOnlyList<SimulatedRun> runs = PrioritySimulator.Run(table);
        console.MarkupLine("[bold]The tutorial's table[/], replayed by [blue]PrioritySimulator.Run(jobs)[/] through the WorkerPool's own priority order (higher number first, non-preemptive):");
        var input = new Table().AddColumn("process").AddColumn("burst time").AddColumn("priority").AddColumn("arrival");
        foreach (SimulatedJob job in table)
        {
            input.AddRow(job.Name, Number(job.Burst), job.Priority.ToString(CultureInfo.InvariantCulture), Number(job.Arrival));
        }

        console.Write(input);
        (string bars, string boundaries) = Gantt(runs);
        console.WriteLine(bars);
        console.WriteLine(boundaries);
        foreach (SimulatedRun run in runs)
        {
            console.MarkupLine($"  process {run.Job.Name}: start {Number(run.Start)}, finish {Number(run.Finish)}, wait {Number(run.Wait)}");
        }

        console.MarkupLine($"  average wait {Number(runs.Average(r => r.Wait))}.");
        console.WriteLine();

        console.MarkupLine($"[bold]Starvation, live[/]: a WorkerPool with one worker; a low-priority job (0) waits behind {InitialBacklog} urgent jobs (priority {UrgentPriority}, {UrgentWork.TotalMilliseconds:F0} ms each) while a new urgent job arrives every {ArrivalEvery.TotalMilliseconds:F0} ms.");
        Outcome strict = await RunLiveAsync(agingRate: 0, cancellationToken);
        console.MarkupLine($"  strict priority (AgingRate = 0): the low-priority job waited [red]{strict.WaitMs:F0} ms[/]; {strict.UrgentBefore} of {strict.UrgentTotal} urgent jobs ran before it.");
        Outcome aged = await RunLiveAsync(AgingRate, cancellationToken);
        console.MarkupLine($"  aging (AgingRate = {AgingRate:F0} points/s): the low-priority job waited [green]{aged.WaitMs:F0} ms[/]; {aged.UrgentBefore} of {aged.UrgentTotal} urgent jobs ran before it.");
        console.MarkupLine($"  With aging, a job that has waited {UrgentPriority / AgingRate:F2} s outranks every urgent job that arrives after that, so it runs once the older ones are done.");
    }

    private readonly record struct Outcome(double WaitMs, int UrgentBefore, int UrgentTotal);

    private static async Task<Outcome> RunLiveAsync(double agingRate, CancellationToken cancellationToken)
    {
        await using var pool = WorkerPool.Create(new WorkerPoolOptions { Name = "tour-starvation", MaxConcurrency = 1, AgingRate = agingRate, CancelPendingOnDispose = true });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> blocker = await pool.SubmitAsync(async ct =>
        {
            await release.Task.WaitAsync(ct);
            return 0;
        }, priority: 100, cancellationToken);

        int urgentDone = 0; // incremented by each urgent job on the pool's worker, read by the low job there too
        long submitted = Stopwatch.GetTimestamp();
        Task<(double WaitMs, int UrgentBefore)> low = await pool.SubmitAsync(
            () => (Stopwatch.GetElapsedTime(submitted).TotalMilliseconds, Volatile.Read(ref urgentDone)), priority: 0, cancellationToken);

        int produced = 0;
        async Task SubmitUrgentAsync()
        {
            produced++;
            _ = await pool.SubmitAsync(async ct =>
            {
                await Task.Delay(UrgentWork, ct);
                Interlocked.Increment(ref urgentDone);
                return 0;
            }, UrgentPriority, cancellationToken);
        }

        for (int i = 0; i < InitialBacklog; i++)
        {
            await SubmitUrgentAsync();
        }

        release.SetResult();
        long streamStart = Stopwatch.GetTimestamp();
        while (!low.IsCompleted && Stopwatch.GetElapsedTime(streamStart) < StreamFor)
        {
            await Task.Delay(ArrivalEvery, cancellationToken);
            await SubmitUrgentAsync();
        }

        (double waitMs, int before) = await low.WaitAsync(WaitLimit, cancellationToken);
        await blocker;
        return new Outcome(waitMs, before, produced);
    }

    /// <summary>Two lines: the bars, two characters per time unit, and each boundary's time under its bar's edge.</summary>
    private static (string Bars, string Boundaries) Gantt(IReadOnlyList<SimulatedRun> runs)
    {
        var bars = new StringBuilder("|");
        var boundaries = new StringBuilder(Number(runs[0].Start));
        foreach (SimulatedRun run in runs)
        {
            int width = Math.Max(4, (int)Math.Round((run.Finish - run.Start) * 2));
            string label = $"P{run.Job.Name}";
            int left = (width - label.Length) / 2;
            bars.Append(' ', left).Append(label).Append(' ', width - left - label.Length).Append('|');
            int edge = bars.Length - 1;
            boundaries.Append(' ', Math.Max(1, edge - boundaries.Length)).Append(Number(run.Finish));
        }

        return (bars.ToString(), boundaries.ToString());
    }

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
