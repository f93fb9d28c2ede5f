using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Queue;

namespace Spindle.Cli.Bench;

/// <summary>
/// The durable queue, whole-system: no-op jobs (<c>bench.noop</c>) run by <c>spindle worker</c> processes of this
/// tool, results kept and read back. <c>prefill</c> enqueues every job, then starts the workers; <c>live</c> starts
/// the workers, then enqueues while they run. Each run gets a fresh SQLite file unless <c>--store</c> names one
/// (then each run gets its own queue in it); a file left behind by a benchmark killed with SIGKILL is deleted by the
/// next (<see cref="ScratchFolder"/>).
/// </summary>
internal sealed class QueueBenchmark(IAnsiConsole console, TextWriter json)
{
    /// <summary>Jobs per <see cref="JobQueue.EnqueueManyAsync{TArgs, TResult}"/> call in prefill mode (one transaction each).</summary>
    internal const int PrefillChunk = 10_000;

    /// <summary>Jobs per enqueue call in live mode: small enough that the workers see work arrive while it is enqueued.</summary>
    internal const int LiveChunk = 1_000;

    private const int ReadPage = 10_000;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);

    internal sealed record Settings(int Jobs, int Workers, int Concurrency, string? Store, string Modes, int Runs, bool Json, TimeSpan Patience);

    internal async Task<IReadOnlyList<QueueBenchRecord>> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.Json)
        {
            console.MarkupLine($"[grey]{Environment.ProcessorCount} cores, .NET {Environment.Version} ({ToolBuild.Kind} build); {settings.Workers} worker process(es) x {settings.Concurrency}; {settings.Jobs:N0} no-op jobs per run[/]");
        }

        string[] modes = settings.Modes == "all" ? ["prefill", "live"] : [settings.Modes];
        var records = new List<QueueBenchRecord>();
        for (int run = 0; run < settings.Runs; run++)
        {
            foreach (string mode in modes)
            {
                QueueBenchRecord record = await RunOnceAsync(settings, mode, cancellationToken);
                records.Add(record);
                if (settings.Json)
                {
                    await json.WriteLineAsync(JsonSerializer.Serialize(record, QueueBenchJsonContext.Default.QueueBenchRecord));
                }
            }
        }

        if (!settings.Json)
        {
            console.Write(Table(records));
        }

        return records;
    }

    private static async Task<QueueBenchRecord> RunOnceAsync(Settings settings, string mode, CancellationToken cancellationToken)
    {
        using ScratchFolder? folder = settings.Store is null ? ScratchFolder.Create("spindle-bench-queue-") : null;
        string store = settings.Store ?? $"sqlite:{folder!.Path}/queue.db";
        string queue = $"bench-{mode}-{Guid.NewGuid():N}"[..24];
        await using JobQueue jobs = await JobQueue.OpenAsync(store, cancellationToken: cancellationToken);
        CliTasks tasks = CliTasks.Create();
        var options = new EnqueueOptions { Queue = queue };
        double enqueueMs, startMs, endToEndMs;
        long lastJob = 0;
        BenchWorkerProcesses? workers = null;
        try
        {
            var clock = new Stopwatch();
            if (mode == "prefill")
            {
                clock.Start();
                await EnqueueAsync(PrefillChunk);
                enqueueMs = clock.Elapsed.TotalMilliseconds;
                workers = BenchWorkerProcesses.Start(settings.Workers, store, queue, settings.Concurrency);
                var starting = Stopwatch.StartNew();
                Task started = workers.WaitStartedAsync(StartPatience, cancellationToken);
                await started;
                startMs = starting.Elapsed.TotalMilliseconds;
                await WaitAllSucceededAsync(jobs, workers, queue, lastJob, settings, cancellationToken);
                endToEndMs = clock.Elapsed.TotalMilliseconds;
            }
            else
            {
                var starting = Stopwatch.StartNew();
                workers = BenchWorkerProcesses.Start(settings.Workers, store, queue, settings.Concurrency);
                await workers.WaitStartedAsync(StartPatience, cancellationToken);
                startMs = starting.Elapsed.TotalMilliseconds;
                clock.Start();
                await EnqueueAsync(LiveChunk);
                enqueueMs = clock.Elapsed.TotalMilliseconds;
                await WaitAllSucceededAsync(jobs, workers, queue, lastJob, settings, cancellationToken);
                endToEndMs = clock.Elapsed.TotalMilliseconds;
            }
        }
        finally
        {
            if (workers is not null)
            {
                await workers.DisposeAsync();
            }
        }

        var reading = Stopwatch.StartNew();
        int succeeded = await ReadBackAsync(jobs, queue, settings.Jobs, cancellationToken);
        double readMs = reading.Elapsed.TotalMilliseconds;
        double jobsPerS = Math.Round(settings.Jobs / (endToEndMs / 1000));
        return new QueueBenchRecord(
            "queue", Scheme(store), mode, settings.Jobs, settings.Workers, settings.Concurrency, succeeded,
            Math.Round(enqueueMs, 3), Math.Round(settings.Jobs / (enqueueMs / 1000)), Math.Round(startMs, 3),
            Math.Round(endToEndMs, 3), jobsPerS, jobsPerS, Math.Round(readMs, 3), workers.PeakRssMb, Environment.ProcessorCount);

        async Task EnqueueAsync(int chunk)
        {
            for (int first = 0; first < settings.Jobs; first += chunk)
            {
                IReadOnlyList<JobHandle<int>> handles = await jobs.EnqueueManyAsync(tasks.Noop, Enumerable.Range(first, Math.Min(chunk, settings.Jobs - first)), options, cancellationToken);
                lastJob = Math.Max(lastJob, handles.Max(handle => handle.Id));
            }
        }
    }

    /// <summary>
    /// Waits until every job succeeded; fails at once on a dead or cancelled job or a worker that exited. Polls
    /// cheaply, so the harness does not take CPU from the workers it measures: until the last job enqueued (the last
    /// in claim order: the same priority, enqueued last) has finished, each poll reads that one job by its key. Only
    /// then does it look over the queue's states, and it counts them all only when no job is left running or waiting:
    /// a look for running jobs walks every entry the run's jobs left in the running jobs' index (docs/benchmarks.md:
    /// 240,000-520,000 entries read in a run of 10,000 jobs when it polled that way), and a full count scans every
    /// job of the run.
    /// </summary>
    private static async Task WaitAllSucceededAsync(JobQueue jobs, BenchWorkerProcesses workers, string queue, long lastJob, Settings settings, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            JobInfo? last = await jobs.GetAsync(lastJob, cancellationToken);
            if (last?.IsFinished == true
                && !await AnyAsync(jobs, queue, JobState.Running, cancellationToken) && !await AnyAsync(jobs, queue, JobState.Available, cancellationToken)
                && !await AnyAsync(jobs, queue, JobState.Retrying, cancellationToken) && !await AnyAsync(jobs, queue, JobState.Scheduled, cancellationToken))
            {
                IReadOnlyList<QueueStats> all = await jobs.StatsAsync(cancellationToken);
                QueueStats? stats = all.FirstOrDefault(s => s.Queue == queue);
                if (stats is not null && (stats.Dead > 0 || stats.Cancelled > 0))
                {
                    throw new InvalidOperationException($"{stats.Dead} job(s) dead and {stats.Cancelled} cancelled in the queue benchmark; every no-op job should succeed.");
                }

                if (stats?.Succeeded >= settings.Jobs)
                {
                    return;
                }
            }

            workers.ThrowIfAnyExited();
            if (waited.Elapsed > settings.Patience)
            {
                QueueStats? stats = (await jobs.StatsAsync(cancellationToken)).FirstOrDefault(s => s.Queue == queue);
                throw new TimeoutException($"Only {stats?.Succeeded ?? 0} of {settings.Jobs} jobs succeeded within {settings.Patience.TotalSeconds:F0} s.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static async Task<bool> AnyAsync(JobQueue jobs, string queue, JobState state, CancellationToken cancellationToken) =>
        (await jobs.ListAsync(new JobListQuery { Queue = queue, State = state, Limit = 1 }, cancellationToken)).Jobs.Count > 0;

    /// <summary>Reads every job of the run back, oldest first in pages, and checks it succeeded with its argument as its result.</summary>
    private static async Task<int> ReadBackAsync(JobQueue jobs, string queue, int expected, CancellationToken cancellationToken)
    {
        var seen = new bool[expected];
        int succeeded = 0;
        long? cursor = null;
        do
        {
            JobPage page = await jobs.ListAsync(new JobListQuery { Queue = queue, NewestFirst = false, Limit = ReadPage, Cursor = cursor }, cancellationToken);
            foreach (JobInfo job in page.Jobs)
            {
                int argument = int.Parse(job.Arguments, CultureInfo.InvariantCulture);
                if (job.State != JobState.Succeeded || job.Result is null || int.Parse(job.Result, CultureInfo.InvariantCulture) != argument || argument < 0 || argument >= expected || seen[argument])
                {
                    throw new InvalidOperationException($"Job {job.Id} ({job.State}, arguments {job.Arguments}, result {job.Result ?? "none"}) is not the no-op result expected.");
                }

                seen[argument] = true;
                succeeded++;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        if (succeeded != expected)
        {
            throw new InvalidOperationException($"Read back {succeeded} succeeded jobs of {expected}.");
        }

        return succeeded;
    }

    /// <summary>The store's scheme only: a connection string may carry a password.</summary>
    private static string Scheme(string store) => store.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon ? store[..colon] : "unknown";

    private static Table Table(IReadOnlyList<QueueBenchRecord> records)
    {
        var table = new Table()
            .Title("[bold]queue[/]: no-op jobs through worker processes, results read back")
            .AddColumn("store")
            .AddColumn("mode")
            .AddColumn(new TableColumn("jobs").RightAligned())
            .AddColumn(new TableColumn("workers").RightAligned())
            .AddColumn(new TableColumn("enqueue /s").RightAligned())
            .AddColumn(new TableColumn("worker start ms").RightAligned())
            .AddColumn(new TableColumn("end to end ms").RightAligned())
            .AddColumn(new TableColumn("jobs /s").RightAligned())
            .AddColumn(new TableColumn("read back ms").RightAligned())
            .AddColumn(new TableColumn("peak RSS MB").RightAligned());
        foreach (QueueBenchRecord r in records)
        {
            table.AddRow(r.Store, r.Mode, $"{r.Jobs:N0}", $"{r.Workers}x{r.Concurrency}", $"{r.EnqueuePerS:N0}", $"{r.WorkerStartMs:F0}", $"{r.MedianMs:F1}", $"{r.JobsPerS:N0}", $"{r.ReadBackMs:F0}", $"{r.PeakRssMb:F1}");
        }

        return table;
    }
}
