using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>The whole queue on PostgreSQL: a client and two workers, each with its own store, through JobQueue.OpenAsync("postgres://...").</summary>
public sealed class PostgresQueueWorkerTests : IAsyncLifetime
{
    private readonly TaskCatalog _catalog = new();
    private readonly TaskKind<int, int> _double;
    private TestSchema _schema = null!;

    public PostgresQueueWorkerTests()
    {
        _double = _catalog.Add<int, int>("test.double", (x, _) => x * 2);
        _catalog.Add<int, string>("test.flaky", (failUntil, context) =>
            context.Attempt < failUntil ? throw new InvalidOperationException($"flaky failure on attempt {context.Attempt}") : $"ok on {context.Attempt}");
    }

    public async Task InitializeAsync() => _schema = await PostgresServer.CreateSchemaAsync();

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Two_workers_on_their_own_stores_run_every_job_once_and_the_results_come_back()
    {
        await using JobQueue queue = await JobQueue.OpenAsync(_schema.ConnectionString);
        IReadOnlyList<JobHandle<int>> small = await queue.EnqueueManyAsync(_double, Enumerable.Range(0, 100));   // one statement
        IReadOnlyList<JobHandle<int>> large = await queue.EnqueueManyAsync(_double, Enumerable.Range(100, 1500)); // binary COPY
        JobHandle flaky = await queue.EnqueueAsync("test.flaky", "3", new EnqueueOptions
        {
            MaxAttempts = 5,
            Backoff = new RetryBackoff { Initial = TimeSpan.FromMilliseconds(1), Maximum = TimeSpan.FromMilliseconds(1), Jitter = 0 },
        });

        await using QueueWorker a = await QueueWorker.OpenAsync(_schema.ConnectionString, _catalog, Options("a"));
        await using QueueWorker b = await QueueWorker.OpenAsync(_schema.ConnectionString, _catalog, Options("b"));
        await a.StartAsync();
        await b.StartAsync();

        JobHandle<int>[] all = [.. small, .. large];
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal(i * 2, await all[i].WaitAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal("ok on 3", await flaky.WaitAsync<string>().WaitAsync(TimeSpan.FromSeconds(60)));
        JobPage page = await queue.ListAsync(new JobListQuery { Limit = 10_000 });
        Assert.Equal(all.Length + 1, page.Jobs.Count);
        Assert.All(page.Jobs.Where(j => j.Kind == "test.double"), j => Assert.Equal((JobState.Succeeded, 1), (j.State, j.Attempt)));
        Assert.Equal(["a", "b"], page.Jobs.Select(j => j.AttemptedBy).Distinct().Order());
        QueueStats stats = Assert.Single(await queue.StatsAsync());
        Assert.Equal((long)all.Length + 1, stats.Succeeded);
    }

    [Fact]
    public async Task A_job_enqueued_while_the_worker_idles_wakes_it_through_notify_not_its_next_poll()
    {
        await using JobQueue queue = await JobQueue.OpenAsync(_schema.ConnectionString);
        await using QueueWorker worker = await QueueWorker.OpenAsync(_schema.ConnectionString, _catalog, Options("idle") with
        {
            PollInterval = TimeSpan.FromMinutes(1),   // after a short claim the worker would not look again for a minute
        });
        JobHandle<int> first = await queue.EnqueueAsync(_double, 1);
        await worker.StartAsync();

        // The first claim found one job for eight slots, so the queue now idles until the next poll, a minute away;
        // the runner freeing its slot wakes the fetcher, which sees the idle queue and does not claim.
        Assert.Equal(2, await first.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));

        JobHandle<int> second = await queue.EnqueueAsync(_double, 21);
        Assert.Equal(42, await second.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Issue6_A_burst_enqueued_while_the_worker_idles_is_claimed_to_its_end_not_one_claim_per_hint()
    {
        // Fake time that never moves: the worker's poll never comes, so every claim after the first is one a hint
        // woke or one a freed slot asked for.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using JobQueue queue = await JobQueue.OpenAsync(_schema.ConnectionString);
        var firstClaim = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using QueueWorker worker = await QueueWorker.OpenAsync(_schema.ConnectionString, _catalog, Options("burst") with
        {
            TimeProvider = time,
            CompletionDelay = TimeSpan.Zero,
            Hooks = new WorkerHooks { Claimed = (_, taken) => firstClaim.TrySetResult(taken) },
        });
        await worker.StartAsync();
        Assert.Equal(0, await firstClaim.Task.WaitAsync(TimeSpan.FromSeconds(20)));   // short: the queue idles until its poll

        // One statement, one hint, five times the worker's eight slots: the claim the hint wakes is full, and the
        // claims after it must follow as slots free, until the queue is dry, without another hint.
        IReadOnlyList<JobHandle<int>> burst = await queue.EnqueueManyAsync(_double, Enumerable.Range(0, 40));
        for (int i = 0; i < burst.Count; i++)
        {
            Assert.Equal(i * 2, await burst[i].WaitAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        }
    }

    [Fact]
    public async Task A_worker_whose_claim_a_crash_forgot_finds_its_completion_stale_and_the_repeat_keeps_the_job()
    {
        // A server crash can forget a claim (claims commit without waiting for the disk); the job's next claim then
        // has the same attempt number (PostgresJobStoreTests). The worker's completion names its claim's time as
        // well, so it must not complete the repeat that another worker now runs. The handler leaves the row as the
        // crash and the repeat's claim would, in one statement (the worker itself would claim a job left available).
        var repeated = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _catalog.Add<int, string>("test.forgotten", async (_, context) =>
        {
            await using NpgsqlConnection admin = await PostgresServer.OpenAdminAsync();
            await using var repeat = new NpgsqlCommand(
                $"UPDATE {_schema.Name}.spindle_jobs SET attempted_at = attempted_at + interval '1 second', attempted_by = 'repeat' WHERE id = {context.JobId}", admin);
            repeated.TrySetResult(await repeat.ExecuteNonQueryAsync());
            return "ran before the crash";
        });
        var flushed = new TaskCompletionSource<JobsCompleteResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using JobQueue queue = await JobQueue.OpenAsync(_schema.ConnectionString);
        JobHandle job = await queue.EnqueueAsync("test.forgotten", "1");
        await using QueueWorker worker = await QueueWorker.OpenAsync(_schema.ConnectionString, _catalog, Options("a") with
        {
            Hooks = new WorkerHooks { Flushed = result => flushed.TrySetResult(result) },
        });
        await worker.StartAsync();

        Assert.Equal(1, await repeated.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        JobsCompleteResult written = await flushed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([(job.Id, 1)], written.Stale.Select(l => (l.Id, l.Attempt)));
        Assert.Empty(written.Completed);
        JobInfo now = (await queue.GetAsync(job.Id))!;
        Assert.Equal((JobState.Running, 1, "repeat"), (now.State, now.Attempt, now.AttemptedBy));
    }

    private static QueueWorkerOptions Options(string id) => new()
    {
        WorkerId = id,
        Queues = new Dictionary<string, int> { ["default"] = 8 },
        PollInterval = TimeSpan.FromMilliseconds(5),
        CompletionDelay = TimeSpan.FromMilliseconds(1),
        ShutdownGrace = TimeSpan.FromSeconds(10),
    };
}
