using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Spindle.Queue.Tests.Workers;
using Spindle.Tasks;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>Tests that break the server for everyone: run alone, after the tests that share it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerRestartCollection
{
    public const string Name = "PostgreSQL server restarts";
}

/// <summary>
/// Chaos on PostgreSQL: the worker process leading maintenance killed with SIGKILL mid-job (tests/Workers/Spindle.QueuePostgresTestWorker, the SQLite
/// chaos test's worker program with the PostgreSQL store), and the server restarted, or crashed, under a running worker. Each time a ledger the
/// handlers append to shows every job succeeded and the succeeding attempt of each ran its handler (exactly once, but after a crash).
/// </summary>
[Collection(ServerRestartCollection.Name)]
public sealed class PostgresChaosTests : SchemaQueueFixture
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);
    private QueueTestWorkers _workers = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _workers = new QueueTestWorkers("Spindle.QueuePostgresTestWorker", Schema.ConnectionString, Path.Combine(Folder, "ledger.txt"));
    }

    public override async Task DisposeAsync()
    {
        _workers.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Killing_the_leader_worker_process_with_jobs_in_flight_loses_nothing_and_the_other_takes_over_and_rescues_its_jobs_within_two_leases()
    {
        const int Jobs = 600;
        IReadOnlyList<JobHandle> handles = await Queue.EnqueueManyAsync(Enumerable.Range(0, Jobs).Select(i => new JobRequest("chaos.job", $"{i}", new EnqueueOptions { MaxAttempts = 5 })));
        Process victim = await _workers.StartAsync("victim", Lease, concurrency: 4);

        // The victim is the maintenance leader: alone, it takes the lock at its first maintenance pass.
        var limit = Stopwatch.StartNew();
        int? leader;
        while ((leader = await PostgresServer.MaintenanceLeaderPidAsync(Schema.Name)) is null)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(60), "The victim never became the maintenance leader.");
            await Task.Delay(20);
        }

        Process survivor = await _workers.StartAsync("survivor", Lease, concurrency: 4);

        List<JobInfo> held = [];
        limit.Restart();
        while (held.Count == 0 || !_workers.HasLedger("victim"))
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(60), "The victim never held running jobs.");
            await Task.Delay(5);
            held = await RunningOfAsync("victim");
        }

        victim.Kill();
        DateTimeOffset killedAt = TimeProvider.System.GetUtcNow();
        await victim.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        held = await RunningOfAsync("victim");
        Assert.NotEmpty(held);

        await WaitAllSucceededAsync(Jobs);
        int? newLeader = await PostgresServer.MaintenanceLeaderPidAsync(Schema.Name);
        Assert.True(newLeader is not null && newLeader != leader, "The survivor took over maintenance leadership from the killed leader.");
        await QueueTestWorkers.StopAsync(survivor);

        var ledger = _workers.ReadLedger("survivor", tornLastLine: false).Concat(_workers.ReadLedger("victim", tornLastLine: true)).ToList();
        await AssertEachSucceededOnceAsync(handles, ledger.Select(l => (l.Id, l.Attempt)).ToList());
        foreach (JobInfo taken in held)
        {
            JobInfo job = (await Queue.GetAsync(taken.Id))!;
            Assert.True(job.Attempt > taken.Attempt, $"Job {job.Id} held by the killed worker was not run again.");
            Assert.Equal(("survivor", TaskFailureKind.Lost), (job.AttemptedBy, job.Error?.Kind));
            Assert.True(job.RunAt - killedAt <= 2 * Lease, $"Job {job.Id} was rescued {job.RunAt - killedAt} after the kill, more than two leases.");
        }
    }

    [Fact]
    public async Task Restarting_the_server_under_a_running_worker_loses_nothing_and_the_worker_carries_on()
    {
        Run run = await RunThroughAsync("restart", Schema.ConnectionString);

        var runs = run.Ledger.GroupBy(l => (l.Id, l.Attempt)).ToDictionary(g => g.Key, g => g.Select(l => l.Token).ToList());
        foreach ((JobInfo job, int i) in await FinalAsync(run))
        {
            // The succeeding attempt ran once, and its result is that run's.
            Assert.Equal([Token(job, i)], runs.GetValueOrDefault((job.Id, job.Attempt)) ?? []);
        }
    }

    [Fact]
    public async Task Crashing_the_server_under_a_running_worker_loses_no_job_and_no_result()
    {
        // An immediate stop: what the server held of the WAL and had not written is gone, as in a crash. The worker's
        // sessions (and the enqueue) wait for their commits as a production server's would (the throwaway cluster does
        // not for anyone), except the claims, which never wait: claims of the crash's last moments may be forgotten,
        // and their jobs then run again under the same attempt number. So every job must succeed with the result of a
        // run of its succeeding attempt (that attempt may have run twice), and every result read before the crash
        // must still be there after it.
        Run run = await RunThroughAsync("crash", $"{Schema.ConnectionString}&options=-c%20synchronous_commit%3Don");

        var ran = run.Ledger.ToHashSet();
        foreach ((JobInfo job, int i) in await FinalAsync(run))
        {
            Assert.Contains((job.Id, job.Attempt, Token(job, i)), ran);
            if (run.SucceededBefore.TryGetValue(job.Id, out string? before))
            {
                Assert.Equal(before, job.Result);
            }
        }

        Assert.NotEmpty(run.SucceededBefore);
    }

    /// <summary>What a run through a restart or crash left: the jobs, each run of a handler, and the results read just before.</summary>
    private sealed record Run(IReadOnlyList<JobHandle> Handles, List<(long Id, int Attempt, string Token)> Ledger, Dictionary<long, string?> SucceededBefore);

    /// <summary>Runs 800 jobs on one worker and, an eighth of the way through, has scripts/postgres <paramref name="how"/> the server.</summary>
    private async Task<Run> RunThroughAsync(string how, string workerStore)
    {
        string cluster = Environment.GetEnvironmentVariable("SPINDLE_TEST_POSTGRES_DIR") is { Length: > 0 } dir ? dir : throw new InvalidOperationException(
            "SPINDLE_TEST_POSTGRES_DIR is not set: this test restarts the throwaway PostgreSQL cluster that scripts/test starts, and needs its folder. Run scripts/test.");
        const int Jobs = 800;
        var ledger = new ConcurrentQueue<(long Id, int Attempt, string Token)>();
        var catalog = new TaskCatalog();
        catalog.Add<int, string>("chaos.job", async (x, context) =>
        {
            await Task.Delay(5, context.CancellationToken);
            // Each run returns a result of its own, so a result tells which run wrote it.
            string token = $"{x}:{Guid.NewGuid():N}";
            ledger.Enqueue((long.Parse(context.JobId!, CultureInfo.InvariantCulture), context.Attempt, token));
            return token;
        });
        IReadOnlyList<JobHandle> handles;
        await using (JobQueue enqueuer = await JobQueue.OpenAsync(workerStore))
        {
            handles = await enqueuer.EnqueueManyAsync(Enumerable.Range(0, Jobs).Select(i => new JobRequest("chaos.job", $"{i}", new EnqueueOptions { MaxAttempts = 5 })));
        }

        await using QueueWorker worker = await QueueWorker.OpenAsync(workerStore, catalog, new QueueWorkerOptions
        {
            WorkerId = "restarted",
            Queues = new Dictionary<string, int> { ["default"] = 4 },
            Lease = Lease,
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        await worker.StartAsync();

        var limit = Stopwatch.StartNew();
        while (ledger.Count < Jobs / 8)
        {
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(60), "The worker never got going.");
            await Task.Delay(5);
        }

        Dictionary<long, string?> succeededBefore = (await Queue.ListAsync(new JobListQuery { State = JobState.Succeeded, Limit = Jobs })).Jobs.ToDictionary(j => j.Id, j => j.Result);
        int before = ledger.Count;
        await RunAsync(Path.Combine(RepositoryRoot(), "scripts", "postgres"), how, cluster);
        Assert.True(ledger.Count < Jobs, $"the {how} came after the work ({before} of {Jobs} done before it)");

        await WaitAllSucceededAsync(Jobs);
        await worker.StopAsync();
        return new Run(handles, [.. ledger], succeededBefore);
    }

    /// <summary>Every job of the run as it ended, with its argument; each must have succeeded with a result of its own argument.</summary>
    private async Task<List<(JobInfo Job, int Argument)>> FinalAsync(Run run)
    {
        var final = new List<(JobInfo, int)>(run.Handles.Count);
        for (int i = 0; i < run.Handles.Count; i++)
        {
            JobInfo job = (await Queue.GetAsync(run.Handles[i].Id))!; // the handles' client, the enqueuer, is closed
            Assert.Equal(JobState.Succeeded, job.State);
            Assert.StartsWith($"\"{i}:", job.Result, StringComparison.Ordinal);
            final.Add((job, i));
        }

        return final;
    }

    /// <summary>The run's token a job's result carries (the result is a JSON string).</summary>
    private static string Token(JobInfo job, int argument) => System.Text.Json.JsonSerializer.Deserialize<string>(job.Result!) is { } token && token.StartsWith($"{argument}:", StringComparison.Ordinal)
        ? token
        : throw new InvalidOperationException($"Job {job.Id}'s result {job.Result} is not a token of argument {argument}.");

    private async Task<List<JobInfo>> RunningOfAsync(string worker) =>
        [.. (await Queue.ListAsync(new JobListQuery { State = JobState.Running, Limit = 100 })).Jobs.Where(j => j.AttemptedBy == worker)];

    private async Task WaitAllSucceededAsync(int jobs)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await Queue.StatsAsync()).Single().Succeeded == jobs)
                {
                    return;
                }
            }
            catch (Npgsql.NpgsqlException)
            {
                // this client's own pooled connections died with the restart too; the next look opens new ones
            }

            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(120), "Not every job succeeded.");
            await Task.Delay(20);
        }
    }

    private async Task AssertEachSucceededOnceAsync(IReadOnlyList<JobHandle> handles, List<(long Id, int Attempt)> ledger)
    {
        var ran = ledger.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        for (int i = 0; i < handles.Count; i++)
        {
            JobInfo job = (await handles[i].GetAsync())!;
            Assert.Equal((JobState.Succeeded, $"{i}"), (job.State, job.Result));
            Assert.Equal(1, ran.GetValueOrDefault((job.Id, job.Attempt)));
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {errors}");
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Spindle.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (Spindle.slnx) was not found above the test assembly.");
    }
}
