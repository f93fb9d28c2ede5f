using Microsoft.Extensions.Time.Testing;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Workers;

/// <summary>The worker on fake time: timeouts, lease renewal, rescue and fencing, pruning.</summary>
public sealed class QueueWorkerLeaseTests : WorkerFixture
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    protected override TimeProvider Clock => _time;

    private static QueueWorkerOptions Faked(string id, int concurrency = 4) => new()
    {
        WorkerId = id,
        Queues = new Dictionary<string, int> { ["default"] = concurrency },
        Lease = TimeSpan.FromSeconds(3),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        RescueInterval = TimeSpan.FromSeconds(1),
        PollInterval = TimeSpan.FromMilliseconds(200),
        CompletionDelay = TimeSpan.Zero,
    };

    [Fact]
    public async Task A_job_past_its_timeout_is_cancelled_fails_as_timeout_and_follows_its_retry_policy()
    {
        JobHandle<int> job = await Queue.EnqueueAsync(Hold, 9, new EnqueueOptions { Timeout = TimeSpan.FromSeconds(10), MaxAttempts = 2, Backoff = Immediate });
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w") with { Lease = TimeSpan.FromMinutes(1), HeartbeatInterval = null });
        await worker.StartAsync();
        Assert.Equal((9, 1), await NextEnteredAsync());

        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually(async () => (await job.GetAsync())!.State is JobState.Retrying or JobState.Available, "the first attempt timed out");
        Assert.Equal(TaskFailureKind.Timeout, (await job.GetAsync())!.Error?.Kind);

        // The retry is due after 1 ms; the idle fetcher looks again after its poll interval.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((9, 2), await NextEnteredAsync());
        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually(async () => (await job.GetAsync())!.IsFinished, "the second attempt timed out");

        JobInfo info = (await job.GetAsync())!;
        Assert.Equal((JobState.Dead, 2, TaskFailureKind.Timeout), (info.State, info.Attempt, info.Error?.Kind));
        Assert.Contains("ran past its timeout of 00:00:10", info.Error!.Message, StringComparison.Ordinal);
        Assert.Equal([9, 9], CancelledHandlers);
    }

    [Fact]
    public async Task Heartbeats_keep_a_long_job_from_being_rescued()
    {
        var heartbeats = new SemaphoreSlim(0);
        var rescued = new List<long>();
        JobHandle<int> job = await Queue.EnqueueAsync(Hold, 1);
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w") with
        {
            Hooks = new WorkerHooks
            {
                Heartbeat = _ => heartbeats.Release(),
                Rescued = jobs => { lock (rescued) { rescued.AddRange(jobs.Select(j => j.Id)); } },
            },
        });
        await worker.StartAsync();
        await NextEnteredAsync();

        // Ten seconds, more than three leases: each second a heartbeat renews the lease, while the worker's own
        // rescuer looks for expired leases every second too.
        for (int second = 1; second <= 10; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await heartbeats.WaitAsync(TimeSpan.FromSeconds(30)), $"No heartbeat after {second} s.");
        }

        JobInfo running = (await job.GetAsync())!;
        Assert.Equal((JobState.Running, 1), (running.State, running.Attempt));
        Assert.True(running.LeaseExpiresAt > _time.GetUtcNow(), "The lease was renewed ahead of the clock.");
        lock (rescued)
        {
            Assert.Empty(rescued);
        }

        Gate.SetResult();
        await Eventually(async () => (await job.GetAsync())!.IsFinished, "the job finished");
        Assert.Equal((JobState.Succeeded, 1), ((await job.GetAsync())!.State, (await job.GetAsync())!.Attempt));
    }

    [Fact]
    public async Task A_worker_that_stops_renewing_loses_its_job_to_another_and_its_late_completion_is_refused()
    {
        var heartbeatsHeld = new TaskCompletionSource();
        var staleOfA = new TaskCompletionSource<IReadOnlyList<JobLease>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var doneByB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        JobHandle job = await Queue.EnqueueAsync("test.fenced", "0", new EnqueueOptions { MaxAttempts = 3 });

        // A: one slot (so it cannot take the job back itself), heartbeats held shut, no maintenance.
        await using QueueWorker a = QueueWorker.Create(Queue, Catalog, Faked("A", concurrency: 1) with
        {
            RunMaintenance = false,
            Hooks = new WorkerHooks
            {
                BeforeHeartbeat = stop => heartbeatsHeld.Task.WaitAsync(stop),
                Flushed = result => { if (result.Stale.Count > 0) { staleOfA.TrySetResult(result.Stale); } },
            },
        });
        await a.StartAsync();
        await Eventually(async () => (await job.GetAsync())!.AttemptedBy == "A", "A claimed the job");

        await using JobQueue other = await JobQueue.OpenAsync(Database.ConnectionString, new JobQueueOptions { TimeProvider = _time });
        await using QueueWorker b = QueueWorker.Create(other, Catalog, Faked("B") with
        {
            Hooks = new WorkerHooks { Flushed = result => { if (result.Completed.Count > 0) { doneByB.TrySetResult(); } } },
        });
        await b.StartAsync();

        // A's lease runs out after 3 s; B's rescuer takes the job back and B runs attempt 2.
        for (int step = 0; step < 200 && !doneByB.Task.IsCompleted; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(doneByB.Task, Task.Delay(20));
        }

        await doneByB.Task.WaitAsync(TimeSpan.FromSeconds(5));
        JobInfo byB = (await job.GetAsync())!;
        Assert.Equal((JobState.Succeeded, 2, "B", "\"second\""), (byB.State, byB.Attempt, byB.AttemptedBy, byB.Result));
        Assert.True(byB.AttemptedAt - Start <= TimeSpan.FromSeconds(6), $"Rescued and re-run {byB.AttemptedAt - Start} after the claim, more than 2 leases.");

        // A comes back: its handler returns, and its completion of attempt 1 is refused.
        Gate.SetResult();
        IReadOnlyList<JobLease> stale = await staleOfA.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([(job.Id, 1, (DateTimeOffset?)Start)], stale.Select(l => (l.Id, l.Attempt, l.ClaimedAt)));
        JobInfo after = (await job.GetAsync())!;
        Assert.Equal((JobState.Succeeded, 2, "\"second\""), (after.State, after.Attempt, after.Result));
        Assert.Equal(TaskFailureKind.Lost, after.Error?.Kind);
        heartbeatsHeld.SetResult();
    }

    [Fact]
    public async Task Finished_jobs_past_the_retention_period_are_pruned()
    {
        var pruned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        JobHandle<int> job = await Queue.EnqueueAsync(Double, 4);
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w") with
        {
            Retention = TimeSpan.FromSeconds(5),
            PruneInterval = TimeSpan.FromSeconds(1),
            Hooks = new WorkerHooks { Pruned = count => { if (count > 0) { pruned.TrySetResult(); } } },
        });
        await worker.StartAsync();
        await Eventually(async () => (await job.GetAsync())!.State == JobState.Succeeded, "the job succeeded");

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.NotNull(await job.GetAsync());
        for (int step = 0; step < 100 && !pruned.Task.IsCompleted; step++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(pruned.Task, Task.Delay(20));
        }

        await pruned.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Null(await job.GetAsync());
    }

    private static DateTimeOffset Start => new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Maintenance_checkpoints_the_sqlite_log_every_checkpoint_interval()
    {
        var checkpoints = new SemaphoreSlim(0);
        bool complete = false;
        await Queue.EnqueueManyAsync(Double, Enumerable.Range(0, 100));
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Faked("w") with
        {
            CheckpointInterval = TimeSpan.FromSeconds(10),
            Hooks = new WorkerHooks { Checkpointed = c => { Volatile.Write(ref complete, c.Complete); checkpoints.Release(); } },
        });
        await worker.StartAsync();
        Assert.False(await checkpoints.WaitAsync(TimeSpan.FromMilliseconds(50)));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await checkpoints.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(Volatile.Read(ref complete));
    }
}
