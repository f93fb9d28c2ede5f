using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Cli.Tour;

/// <summary>
/// The tutorial's multiprocessing example on the ProcessPool: a call in another process, results streaming back
/// over pipes, Pool.map, apply_async, and a worker that crashes while the pool carries on.
/// </summary>
internal sealed class ProcessesChapter : TourChapter
{
    private const int WorkerCount = 2;
    private const int MapItems = 100_000;
    private const string CrashMessage = "tour: this worker gives up on purpose";
    private static readonly int[] Naps = [250, 50, 150, 0, 100, 200];
    private static readonly TimeSpan ReplacementLimit = TimeSpan.FromSeconds(10);

    internal override string Name => "processes";

    internal override string Title => "processes: multiprocessing on a ProcessPool";

    internal override string Summary => "multiprocessing on the ProcessPool: a call in a worker process, results streaming back over pipes, Pool.map, apply_async futures, and a worker crash the pool survives.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        CliTasks tasks = CliTasks.Create();
        int dropped = 0; // incremented by the pool's output readers, read once the crash has been reported
        long started = Stopwatch.GetTimestamp();
        await using ProcessPool pool = await TourPools.StartAsync(tasks.Catalog, new ProcessPoolOptions
        {
            Name = "tour-processes",
            WorkerCount = WorkerCount,
            OnWorkerOutput = _ => Interlocked.Increment(ref dropped),
        }, cancellationToken);
        double startMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        Heading(console, "Process: one call, run in a worker process",
            "p = Process(target=f, args=(1,)); p.start(); p.join()", "string r = await await pool.SubmitAsync(where, 1);");
        console.MarkupLine("  The workers are this program started again (Python's spawn): its Main begins with [blue]ProcessWorker.RunIfRequested(catalog)[/].");
        Line(console, $"started {WorkerCount} worker processes (pids {Pids(pool.Workers)}) in {startMs:F0} ms; this process is {Environment.ProcessId}");
        Line(console, await await pool.SubmitAsync(tasks.WhereAmI, 1, cancellationToken: cancellationToken));

        Heading(console, "Queue and Pipe: calls and results over each worker's pipes",
            $"for r in pool.imap_unordered(nap, [{string.Join(", ", Naps)}])", $"await foreach (var r in pool.MapUnorderedAsync(nap, [{string.Join(", ", Naps)}]).Outcomes)");
        console.MarkupLine("  Where Python pickles objects through a Queue or a Pipe, a worker here reads its calls from its standard input and writes");
        console.MarkupLine("  the results to its standard output, as length-prefixed frames of JSON: a kind's name and data, never code.");
        console.MarkupLine("  Each result as it arrives, with its source index:");
        long mapStarted = Stopwatch.GetTimestamp();
        await foreach (ItemOutcome<string> outcome in pool.MapUnorderedAsync(tasks.Nap, Naps, cancellationToken: cancellationToken).Outcomes.WithCancellation(cancellationToken))
        {
            Line(console, $"{Stopwatch.GetElapsedTime(mapStarted).TotalMilliseconds,5:F0} ms  #{outcome.Index}: {(outcome.Succeeded ? outcome.Value : outcome.Exception!.Message)}");
        }

        Heading(console, "Pool.map: one task over many items, results in order",
            "pool.map(square, [1, 2, 3])", "long[] r = await pool.MapAsync(square, [1, 2, 3]).ToArrayAsync();");
        long[] small = await pool.MapAsync(tasks.Square, [1L, 2L, 3L], cancellationToken: cancellationToken).ToArrayAsync(cancellationToken);
        Line(console, $"[{string.Join(", ", small)}]");
        long[] numbers = [.. Enumerable.Range(1, MapItems).Select(i => (long)i)];
        long mapTimer = Stopwatch.GetTimestamp();
        long[] squares = await pool.MapAsync(tasks.Square, numbers, cancellationToken: cancellationToken).ToArrayAsync(cancellationToken);
        double mapMs = Stopwatch.GetElapsedTime(mapTimer).TotalMilliseconds;
        bool inOrder = squares.Length == MapItems && squares.Select((s, i) => s == (long)(i + 1) * (i + 1)).All(ok => ok);
        Line(console, $"1..{Number(MapItems)}: {Number(squares.Length)} squares in {mapMs:F0} ms, {(inOrder ? "every one in source order" : "NOT in source order")}; the last is {Number(squares[^1])}");
        long loopTimer = Stopwatch.GetTimestamp();
        long sum = 0;
        foreach (long n in numbers)
        {
            sum += n * n;
        }

        Line(console, $"the same squares in a loop in this process: {Stopwatch.GetElapsedTime(loopTimer).TotalMilliseconds:F1} ms (sum {Number(sum)})");
        console.MarkupLine("  Items travel many to a frame, but squaring still costs less than the trip through a pipe: worker processes pay off");
        console.MarkupLine("  when each item is real work ([blue]spindle bench processes[/]).");

        Heading(console, "apply_async: futures, awaited later",
            "r = pool.apply_async(nap, (200,)); ...; r.get(timeout=10)", "Task<string> r = await pool.SubmitAsync(nap, 200); ...; await r.WaitAsync(TimeSpan.FromSeconds(10));");
        long submitted = Stopwatch.GetTimestamp();
        var futures = new List<Task<string>>();
        for (int i = 0; i < 4; i++)
        {
            futures.Add(await pool.SubmitAsync(tasks.Nap, 200, cancellationToken: cancellationToken));
        }

        Line(console, $"{Stopwatch.GetElapsedTime(submitted).TotalMilliseconds,5:F0} ms  submitted 4 naps of 200 ms: SubmitAsync returns once a call is queued, the futures complete later");
        for (int i = 0; i < futures.Count; i++)
        {
            string result = await futures[i].WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Line(console, $"{Stopwatch.GetElapsedTime(submitted).TotalMilliseconds,5:F0} ms  future {i + 1}: {result}");
        }

        console.MarkupLine($"  Each of the {WorkerCount} workers runs one call at a time, so 4 naps take two rounds.");
        await CrashAsync(console, pool, tasks, () => Volatile.Read(ref dropped), cancellationToken);
    }

    /// <summary>A call that kills its worker: only that call fails, with the reason, and the pool replaces the worker.</summary>
    private static async Task CrashAsync(IAnsiConsole console, ProcessPool pool, CliTasks tasks, Func<int> droppedLines, CancellationToken cancellationToken)
    {
        console.MarkupLine("[bold]A worker crash the pool survives[/]");
        console.MarkupLine("  When a worker dies, multiprocessing.Pool waits forever and ProcessPoolExecutor breaks as a whole (BrokenProcessPool).");
        console.MarkupLine("  Here only the call that killed its worker fails, with the cause, and the pool starts a new worker.");
        IReadOnlyList<WorkerInfo> before = pool.Workers;
        Line(console, $"workers before: {Describe(before, [])}");
        var calls = new List<Task<string>>
        {
            await pool.SubmitAsync(tasks.WhereAmI, 1, cancellationToken: cancellationToken),
            await pool.SubmitAsync(tasks.WhereAmI, 2, cancellationToken: cancellationToken),
        };
        Task<int> crash = await pool.SubmitAsync(tasks.Crash, CrashMessage, cancellationToken: cancellationToken);
        calls.Add(await pool.SubmitAsync(tasks.WhereAmI, 3, cancellationToken: cancellationToken));
        calls.Add(await pool.SubmitAsync(tasks.WhereAmI, 4, cancellationToken: cancellationToken));
        Line(console, $"submitted where(1), where(2), crash(\"{CrashMessage}\"), where(3), where(4); crash calls Environment.FailFast in its worker");
        try
        {
            await crash;
            Line(console, "the crash call returned: its worker did not die (this should not happen)");
        }
        catch (WorkerCrashedException e)
        {
            Line(console, $"crash failed with {nameof(WorkerCrashedException)}: {e.Failure.Message}");
            Line(console, $"  reason: {e.Reason}; signal: {e.Signal?.ToString(CultureInfo.InvariantCulture) ?? "none"}; exit code: {e.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        }

        string[] others = await Task.WhenAll(calls);
        Line(console, $"the other {others.Length} calls succeeded: {string.Join("; ", others)}");
        IReadOnlyList<WorkerInfo> after = await ReplacedAsync(pool, cancellationToken);
        ProcessPoolStats stats = pool.Stats;
        Line(console, $"Stats: Crashed {stats.Crashed}, WorkersLost {stats.WorkersLost}, WorkersStarted {stats.WorkersStarted}");
        Line(console, $"workers after: {Describe(after, before)}");
        Line(console, $"one more call: {await await pool.SubmitAsync(tasks.WhereAmI, 5, cancellationToken: cancellationToken)}");
        Line(console, $"the runtime's crash report ({droppedLines()} lines on the worker's standard error) went to OnWorkerOutput, which this chapter drops");
        console.MarkupLine("  The pool keeps the last lines of each worker's output, and found the reason there.");
    }

    /// <summary>The workers once the replacement has said hello (it starts as soon as the crash is noticed).</summary>
    private static async Task<IReadOnlyList<WorkerInfo>> ReplacedAsync(ProcessPool pool, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<WorkerInfo> workers = pool.Workers;
        while ((workers.Count < pool.WorkerCount || workers.Any(w => w.State != WorkerState.Ready)) && Stopwatch.GetElapsedTime(started) < ReplacementLimit)
        {
            await Task.Delay(10, cancellationToken);
            workers = pool.Workers;
        }

        return workers;
    }

    private static string Describe(IReadOnlyList<WorkerInfo> workers, IReadOnlyList<WorkerInfo> before) =>
        string.Join(", ", workers.Select(w =>
            $"worker {w.Id} (pid {w.ProcessId}, {w.State}{(before.Count > 0 && before.All(b => b.ProcessId != w.ProcessId) ? ", new" : "")})"));

    private static string Pids(IReadOnlyList<WorkerInfo> workers) => string.Join(", ", workers.Select(w => w.ProcessId));

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static void Heading(IAnsiConsole console, string heading, string python, string spindle)
    {
        console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        console.MarkupLine($"  [grey]{Markup.Escape(python)}  ⇒  {Markup.Escape(spindle)}[/]");
    }

    private static void Line(IAnsiConsole console, string text) => console.MarkupLine($"  [green]›[/] {Markup.Escape(text)}");
}
