using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spindle.Cli.Workloads;
using Spindle.Queue;

namespace Spindle.Cli.Tour;

/// <summary>
/// The tutorial's Celery section made real: two <c>spindle worker</c> processes on a fresh embedded store, a batch
/// of jobs whose results arrive live, a job that fails once and is retried, and a worker killed with SIGKILL in the
/// middle of a job, which the other worker rescues once the lease has run out.
/// </summary>
internal sealed class QueueChapter : TourChapter
{
    internal const string QueueName = "tour";
    internal const int LongJobMs = 400;
    internal const string FlakyName = "report";
    internal static readonly int[] PrimeLimits = [800_000, 1_100_000, 700_000, 1_000_000, 900_000, 1_200_000, 750_000, 1_050_000];
    internal static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RescueInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan WatchInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(5);

    private readonly string? _storeFolder;

    internal QueueChapter()
        : this(null)
    {
    }

    /// <summary>A chapter whose store is created in <paramref name="storeFolder"/> and kept there, for a test to read back.</summary>
    internal QueueChapter(string? storeFolder) => _storeFolder = storeFolder;

    internal override string Name => "queue";

    internal override string Title => "queue: Celery on an embedded store, with real worker processes";

    internal override string Summary => "Celery made real: two spindle worker processes on a fresh SQLite store, results arriving live, a failing job retried, and a worker killed with SIGKILL whose job the other rescues.";

    internal override async Task RunAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        using ScratchFolder? scratch = _storeFolder is null ? ScratchFolder.Create("spindle-tour-queue-") : null;
        string folder = _storeFolder ?? scratch!.Path;
        await RunInAsync(console, $"sqlite:{Path.Combine(folder, "queue.db")}", cancellationToken);
    }

    private static async Task RunInAsync(IAnsiConsole console, string store, CancellationToken cancellationToken)
    {
        CliTasks tasks = CliTasks.Create();
        await using JobQueue queue = await JobQueue.OpenAsync(store, cancellationToken: cancellationToken);
        var workers = new TourWorkers();
        try
        {
            await StartWorkersAsync(console, workers, store, cancellationToken);
            long flakyId = await BatchAsync(console, queue, tasks, workers, cancellationToken);
            await RetriedAsync(console, queue, flakyId, workers, cancellationToken);
            await RescueAsync(console, queue, tasks, workers, cancellationToken);
            await StopAsync(console, workers, cancellationToken);
        }
        finally
        {
            await workers.DisposeAsync();
        }

        Celery(console);
    }

    private static async Task StartWorkersAsync(IAnsiConsole console, TourWorkers workers, string store, CancellationToken cancellationToken)
    {
        string lease = $"{Lease.TotalSeconds:F0}s";
        string rescue = $"{RescueInterval.TotalMilliseconds:F0}ms";
        Heading(console, "Two workers on one embedded store",
            "celery -A tasks worker --concurrency=1   (twice, on one Redis broker)",
            $"spindle worker --store sqlite:queue.db --queues {QueueName} --concurrency 1 --lease {lease} --rescue-interval {rescue}   (twice, on one SQLite file)");
        Line(console, $"store: {store} (new, deleted at the end)");
        long started = Stopwatch.GetTimestamp();
        foreach (string label in (string[])["A", "B"])
        {
            workers.Start(label, ["--store", store, "--queues", QueueName, "--concurrency", "1", "--lease", lease, "--rescue-interval", rescue]);
        }

        await workers.WaitReadyAsync(Patience, cancellationToken);
        foreach (TourWorkerProcess worker in workers.All)
        {
            Line(console, $"worker {worker.Label}: process {worker.ProcessId}, worker id {worker.WorkerId}");
        }

        Line(console, $"both serving {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms after they were started; each runs one job at a time and claims another when it is free");
    }

    /// <summary>Eight prime counts and one job that fails once, enqueued at once; each result printed as it lands in the store.</summary>
    private static async Task<long> BatchAsync(IAnsiConsole console, JobQueue queue, CliTasks tasks, TourWorkers workers, CancellationToken cancellationToken)
    {
        Heading(console, "Enqueue work and watch the results arrive",
            "report.apply_async(priority=1); group(primes.s(n) for n in limits).apply_async()",
            "await queue.EnqueueAsync(flaky, \"report\", new EnqueueOptions { Priority = 1, ... }); await queue.EnqueueManyAsync(primes, limits, ...)");
        DateTimeOffset t0 = TimeProvider.System.GetUtcNow();

        // Priority 1: the flaky job and its retry go ahead of the batch instead of waiting for a free worker behind it.
        JobHandle<string> flaky = await queue.EnqueueAsync(tasks.Flaky, FlakyName, new EnqueueOptions
        {
            Queue = QueueName,
            Priority = 1,
            MaxAttempts = 3,
            Backoff = new RetryBackoff { Initial = RetryDelay, Maximum = RetryDelay, Jitter = 0 },
        }, cancellationToken);
        IReadOnlyList<JobHandle<int>> primes = await queue.EnqueueManyAsync(tasks.Primes, PrimeLimits, new EnqueueOptions { Queue = QueueName }, cancellationToken);
        Line(console, $"enqueued job {flaky.Id} (tour.flaky: fails its first attempt, priority 1), then jobs {primes[0].Id} to {primes[^1].Id} (tour.primes: count the primes below n) in one transaction");
        long[] ids = [.. primes.Select(p => p.Id), flaky.Id];
        IReadOnlyList<JobInfo> finished = await JobWatch.UntilAsync(queue, QueueName, ids, j => j.IsFinished, (job, before) =>
        {
            if (job.State == JobState.Retrying && before?.State != JobState.Retrying)
            {
                Line(console, $"{Ms(job.RunAt - RetryDelay - t0)}  job {job.Id}  attempt {job.Attempt} failed on {workers.Describe(job.AttemptedBy)}: {job.Error?.ErrorType}: {job.Error?.Message}; retrying, due at +{Plain(job.RunAt - t0)}");
            }
            else if (job.IsFinished && before?.IsFinished != true)
            {
                Line(console, $"{Ms(job.FinishedAt!.Value - t0)}  job {job.Id}  {Outcome(job)}  on {workers.Describe(job.AttemptedBy)}{(job.Attempt > 1 ? $", attempt {job.Attempt}" : "")}");
            }
        }, Patience, WatchInterval, cancellationToken);

        JobInfo[] done = [.. finished.Where(j => j.Kind == tasks.Primes.Name)];
        string split = string.Join(", ", workers.All.Select(w => $"worker {w.Label} ran {done.Count(j => j.AttemptedBy == w.WorkerId)}"));
        Line(console, $"all {done.Count(j => j.State == JobState.Succeeded)} of {primes.Count} prime counts succeeded: {split}");
        return flaky.Id;
    }

    private static async Task RetriedAsync(IAnsiConsole console, JobQueue queue, long id, TourWorkers workers, CancellationToken cancellationToken)
    {
        Heading(console, "A failing job, retried",
            "@app.task(autoretry_for=(Exception,), max_retries=2, retry_backoff=True)",
            "new EnqueueOptions { MaxAttempts = 3, Backoff = new RetryBackoff { Initial = 300 ms, Jitter = 0 } }  (a failed attempt is retried while attempts are left)");
        JobInfo job = await queue.GetAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Job {id} vanished from the store.");
        Line(console, $"job {job.Id} read back from the store: {job.State} on attempt {job.Attempt} of {job.MaxAttempts}, on {workers.Describe(job.AttemptedBy)}: {Outcome(job)}");
        Line(console, $"attempt 1's failure is kept in JobInfo.Error (Kind {job.Error?.Kind}): {job.Error?.ErrorType}: {job.Error?.Message}");
        Line(console, $"attempt {job.Attempt} was due {RetryDelay.TotalMilliseconds:F0} ms after that failure (Backoff.Initial, no jitter) and started {Plain(job.AttemptedAt!.Value - job.RunAt)} after it was due");
    }

    private static async Task RescueAsync(IAnsiConsole console, JobQueue queue, CliTasks tasks, TourWorkers workers, CancellationToken cancellationToken)
    {
        Heading(console, "A worker killed in the middle of a job; the other one rescues it",
            "Celery loses the job with its worker unless acks_late=True and reject_on_worker_lost=True; on Redis it returns after visibility_timeout (1 h)",
            $"nothing to set: a claimed job holds a lease ({Lease.TotalSeconds:F0} s here) that its worker's heartbeat renews; when the renewals stop, another worker takes the job back");
        DateTimeOffset t0 = TimeProvider.System.GetUtcNow();
        JobHandle<string> handle = await queue.EnqueueAsync(tasks.Nap, LongJobMs, new EnqueueOptions { Queue = QueueName, MaxAttempts = 3 }, cancellationToken);
        Line(console, $"{Ms(TimeSpan.Zero)}  job {handle.Id} enqueued: tour.nap({LongJobMs}), a job that takes {LongJobMs} ms");
        JobInfo claimed = (await JobWatch.UntilAsync(queue, QueueName, [handle.Id], j => j.State == JobState.Running || j.IsFinished, null, Patience, WatchInterval, cancellationToken))[0];
        TourWorkerProcess victim = workers.ById(claimed.AttemptedBy)
            ?? throw new InvalidOperationException($"Job {handle.Id} is {claimed.State}, claimed by '{claimed.AttemptedBy}', which is none of the chapter's workers.");
        if (claimed.State != JobState.Running)
        {
            throw new InvalidOperationException($"Job {handle.Id} finished ({claimed.State}) before its worker could be killed: the machine is too slow for this demo.");
        }

        Line(console, $"{Ms(claimed.AttemptedAt!.Value - t0)}  claimed by {workers.Describe(claimed.AttemptedBy)}, attempt {claimed.Attempt}");
        int exitCode = await victim.KillAsync(cancellationToken);
        DateTimeOffset killedAt = TimeProvider.System.GetUtcNow();
        JobInfo orphaned = await queue.GetAsync(handle.Id, cancellationToken) ?? throw new InvalidOperationException($"Job {handle.Id} vanished from the store.");
        Line(console, $"{Ms(killedAt - t0)}  worker {victim.Label} killed with SIGKILL (exit code {exitCode}); the job is still {orphaned.State} in the store, its lease (last renewed before the kill) runs out at +{Plain(orphaned.LeaseExpiresAt.GetValueOrDefault() - t0)}");

        JobInfo retaken = (await JobWatch.UntilAsync(queue, QueueName, [handle.Id], j => j.Attempt > claimed.Attempt || j.IsFinished, null, Patience, WatchInterval, cancellationToken))[0];
        Line(console, $"{Ms(retaken.RunAt - t0)}  rescued by the surviving worker's maintenance: available again, with the error {retaken.Error?.Kind}: {retaken.Error?.Message}");
        Line(console, $"{Ms(retaken.AttemptedAt.GetValueOrDefault() - t0)}  claimed by {workers.Describe(retaken.AttemptedBy)}, attempt {retaken.Attempt}");
        JobInfo done = (await JobWatch.UntilAsync(queue, QueueName, [handle.Id], j => j.IsFinished, null, Patience, WatchInterval, cancellationToken))[0];
        Line(console, $"{Ms(done.FinishedAt.GetValueOrDefault() - t0)}  {Outcome(done)} on {workers.Describe(done.AttemptedBy)}, attempt {done.Attempt}");
        Line(console, string.Create(CultureInfo.InvariantCulture, $"from the kill to the rescue: {(retaken.RunAt - killedAt).TotalSeconds:F1} s (lease {Lease.TotalSeconds:F0} s, renewed every {Lease.TotalSeconds / 3:F1} s, rescue pass every {RescueInterval.TotalMilliseconds:F0} ms)"));
        console.MarkupLine("  The job ran twice, as at-least-once promises: attempt 1's work died with its process.");
        console.MarkupLine("  Attempt numbers fence completions: a worker that was only slow, not dead, could not overwrite attempt 2's result.");
    }

    private static async Task StopAsync(IAnsiConsole console, TourWorkers workers, CancellationToken cancellationToken)
    {
        Heading(console, "Stopping", "SIGTERM (or Ctrl+C) to celery worker: a warm shutdown",
            "SIGTERM (or Ctrl+C) to spindle worker: it stops claiming, lets running jobs finish within the grace period, hands back the rest, and exits 0");
        foreach (TourWorkerProcess worker in workers.All.Where(w => !w.HasExited))
        {
            int? code = await worker.TerminateAsync(StopPatience, cancellationToken);
            Line(console, code is { } exit
                ? $"worker {worker.Label} got SIGTERM, {(worker.StoppedGracefully ? "said 'Worker stopped.'" : "said nothing")} and exited with code {exit}"
                : $"worker {worker.Label} got SIGTERM but had not exited after {StopPatience.TotalSeconds:F0} s, so it was killed");
        }

        Line(console, $"worker processes still running: {workers.All.Count(w => !w.HasExited)}");
    }

    private static void Celery(IAnsiConsole console)
    {
        console.MarkupLine("[bold]Celery → Spindle[/]");
        var table = new Table().AddColumn("Celery").AddColumn("Spindle");
        (string Celery, string Spindle)[] rows =
        [
            ("@app.task def primes(n)", "catalog.Add(\"tour.primes\", (int n, TaskContext _) => ...): a kind string, never pickled code"),
            ("primes.delay(n), group(...)()", "queue.EnqueueAsync(primes, n), queue.EnqueueManyAsync(primes, limits): one transaction"),
            ("AsyncResult(id).get()", "await handle.WaitAsync()"),
            ("autoretry_for, max_retries, retry_backoff", "EnqueueOptions.MaxAttempts, Backoff"),
            ("acks_late + reject_on_worker_lost", "the default: leases renewed by heartbeat, rescue when they run out, fenced by attempt"),
            ("celery -A app worker", "spindle worker --store sqlite:queue.db (one machine, many processes)"),
        ];
        foreach ((string celery, string spindle) in rows)
        {
            table.AddRow(Markup.Escape(celery), Markup.Escape(spindle));
        }

        console.Write(table);
    }

    /// <summary>What a finished job produced: its result (a JSON string shown as text), or its error.</summary>
    private static string Outcome(JobInfo job)
    {
        if (job.State != JobState.Succeeded)
        {
            return $"{job.State}: {job.Error?.Message}";
        }

        if (job.Kind == "tour.primes")
        {
            return $"primes below {Number(job.Arguments),9}: {Number(job.Result!),6}";
        }

        using JsonDocument result = JsonDocument.Parse(job.Result ?? "null");
        return result.RootElement.ValueKind == JsonValueKind.String ? $"\"{result.RootElement.GetString()}\"" : result.RootElement.GetRawText();
    }

    private static string Number(string json) => int.Parse(json, CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A moment as milliseconds since the section began, right-aligned so a column of them lines up.</summary>
    private static string Ms(TimeSpan sinceStart) => $"+{sinceStart.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture),5} ms";

    private static string Plain(TimeSpan span) => $"{span.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms";

    private static void Heading(IAnsiConsole console, string heading, string python, string spindle)
    {
        console.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        console.MarkupLine($"  [grey]{Markup.Escape(python)}[/]");
        console.MarkupLine($"  [grey]⇒ {Markup.Escape(spindle)}[/]");
    }

    private static void Line(IAnsiConsole console, string text) => console.MarkupLine($"  [green]›[/] {Markup.Escape(text)}");
}
