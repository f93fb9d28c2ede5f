using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;

/// <summary>
/// The coordinator: per run, a fresh store (a SQLite file in a temp folder, or a PostgreSQL schema of its own),
/// N no-op jobs enqueued one by one with <see cref="BackgroundJobClient"/>, W worker processes of this program,
/// the monitoring API polled every 5 ms until N jobs succeeded, then every job's state read back and checked.
/// </summary>
internal static class HangfireBench
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    internal static async Task<int> RunAsync(Arguments arguments)
    {
        string storage = arguments.Required("storage");
        int jobs = arguments.Number("jobs", 10_000);
        int workers = arguments.Number("workers", 2);
        int concurrency = arguments.Number("concurrency", 10);
        int runs = arguments.Number("runs", 1);
        int pollMs = arguments.Number("poll-ms", 200);
        var patience = TimeSpan.FromSeconds(arguments.Number("timeout", 600));
        string mode = arguments.Text("mode") ?? "all";
        string[] modes = mode switch
        {
            "all" => ["prefill", "live"],
            "prefill" or "live" => [mode],
            _ => throw new ArgumentException($"--mode must be prefill, live or all, got '{mode}'"),
        };

        for (int run = 0; run < runs; run++)
        {
            foreach (string m in modes)
            {
                Dictionary<string, object> record = await RunOnceAsync(storage, m, jobs, workers, concurrency, pollMs, patience).ConfigureAwait(false);
                Console.Out.WriteLine(JsonSerializer.Serialize(record));
                Console.Out.Flush();
            }
        }

        return 0;
    }

    private static async Task<Dictionary<string, object>> RunOnceAsync(string spec, string mode, int jobs, int workerCount, int concurrency, int pollMs, TimeSpan patience)
    {
        string? folder = null;
        StorageTarget target;
        if (spec == "sqlite")
        {
            folder = Directory.CreateTempSubdirectory("hangfire-bench-").FullName;
            target = new StorageTarget("sqlite", Path.Combine(folder, "hangfire.db"), null);
        }
        else if (spec.StartsWith("postgres", StringComparison.Ordinal) || spec.Contains('=', StringComparison.Ordinal))
        {
            target = new StorageTarget("postgres", StorageTarget.NpgsqlKeywords(spec), $"hf_{Guid.NewGuid():N}"[..16]);
        }
        else
        {
            throw new ArgumentException($"--storage must be 'sqlite' (a fresh temp file per run) or a postgres:// URL, got '{spec}'");
        }

        try
        {
            // Opening the storage creates its schema, before anything is timed and before any worker starts.
            JobStorage storage = target.Open(pollMs);
            var client = new BackgroundJobClient(storage);
            var ids = new string[jobs];
            double enqueueMs, startMs, endToEndMs;
            WorkerProcesses? workers = null;
            try
            {
                var clock = new Stopwatch();
                if (mode == "prefill")
                {
                    clock.Start();
                    Enqueue();
                    enqueueMs = clock.Elapsed.TotalMilliseconds;
                    var starting = Stopwatch.StartNew();
                    workers = WorkerProcesses.Start(workerCount, target, concurrency, pollMs);
                    await workers.WaitStartedAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                    startMs = starting.Elapsed.TotalMilliseconds;
                    await WaitAllSucceededAsync(storage, workers, jobs, patience).ConfigureAwait(false);
                    endToEndMs = clock.Elapsed.TotalMilliseconds;
                }
                else
                {
                    var starting = Stopwatch.StartNew();
                    workers = WorkerProcesses.Start(workerCount, target, concurrency, pollMs);
                    await workers.WaitStartedAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                    startMs = starting.Elapsed.TotalMilliseconds;
                    clock.Start();
                    Enqueue();
                    enqueueMs = clock.Elapsed.TotalMilliseconds;
                    await WaitAllSucceededAsync(storage, workers, jobs, patience).ConfigureAwait(false);
                    endToEndMs = clock.Elapsed.TotalMilliseconds;
                }
            }
            finally
            {
                if (workers is not null)
                {
                    await workers.DisposeAsync().ConfigureAwait(false);
                }
            }

            var reading = Stopwatch.StartNew();
            (int succeeded, int processedTwice) = ReadBack(storage, ids);
            double readMs = reading.Elapsed.TotalMilliseconds;
            double jobsPerS = Math.Round(jobs / (endToEndMs / 1000));
            return new Dictionary<string, object>
            {
                ["benchmark"] = "queue",
                ["system"] = $"hangfire-{Version(typeof(BackgroundJob))}",
                ["store"] = target.Kind,
                ["storage_package"] = target.Kind == "sqlite"
                    ? $"Hangfire.Storage.SQLite {Version(typeof(Hangfire.Storage.SQLite.SQLiteStorage))}"
                    : $"Hangfire.PostgreSql {Version(typeof(Hangfire.PostgreSql.PostgreSqlStorage))}",
                ["variant"] = $"hangfire-{target.Kind}",
                ["mode"] = mode,
                ["jobs"] = jobs,
                ["workers"] = workerCount,
                ["concurrency"] = concurrency,
                ["succeeded"] = succeeded,
                ["processed_twice"] = processedTwice,
                ["queue_poll_ms"] = pollMs,
                ["enqueue_ms"] = Math.Round(enqueueMs, 3),
                ["enqueue_per_s"] = Math.Round(jobs / (enqueueMs / 1000)),
                ["worker_start_ms"] = Math.Round(startMs, 3),
                ["median_ms"] = Math.Round(endToEndMs, 3),
                ["jobs_per_s"] = jobsPerS,
                ["per_s"] = jobsPerS,
                ["read_back_ms"] = Math.Round(readMs, 3),
                ["peak_rss_mb"] = workers.PeakRssMb,
                ["cores"] = Environment.ProcessorCount,
            };

            void Enqueue()
            {
                for (int i = 0; i < jobs; i++)
                {
                    ids[i] = client.Create(new Job(typeof(NoopJob), NoopJob.Method, i), new EnqueuedState());
                }
            }
        }
        finally
        {
            if (folder is not null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>Polls the monitoring API until every job succeeded; fails at once on a failed job or an exited worker.</summary>
    private static async Task WaitAllSucceededAsync(JobStorage storage, WorkerProcesses workers, int jobs, TimeSpan patience)
    {
        IMonitoringApi monitoring = storage.GetMonitoringApi();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            long failed = monitoring.FailedCount();
            if (failed > 0)
            {
                throw new InvalidOperationException($"{failed} job(s) failed in the Hangfire benchmark; every no-op job should succeed.");
            }

            long succeeded = monitoring.SucceededListCount();
            if (succeeded >= jobs)
            {
                return;
            }

            workers.ThrowIfAnyExited();
            if (waited.Elapsed > patience)
            {
                throw new TimeoutException($"Only {succeeded} of {jobs} jobs succeeded within {patience.TotalSeconds:F0} s.");
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every job's current state must be Succeeded with its argument as its result; also counts jobs whose history
    /// shows more than one Processing state (run more than once).
    /// </summary>
    private static (int Succeeded, int ProcessedTwice) ReadBack(JobStorage storage, string[] ids)
    {
        IMonitoringApi monitoring = storage.GetMonitoringApi();
        using IStorageConnection connection = storage.GetConnection();
        int succeeded = 0, twice = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            StateData? state = connection.GetStateData(ids[i]);
            string? result = state is not null && state.Data.TryGetValue("Result", out string? value) ? value : null;
            if (state?.Name != SucceededState.StateName || result is null || int.Parse(result, CultureInfo.InvariantCulture) != i)
            {
                throw new InvalidOperationException($"Job {ids[i]} ({state?.Name ?? "no state"}, argument {i}, result {result ?? "none"}) is not the no-op result expected.");
            }

            succeeded++;
            if (monitoring.JobDetails(ids[i]).History.Count(h => h.StateName == ProcessingState.StateName) > 1)
            {
                twice++;
            }
        }

        return (succeeded, twice);
    }
}
