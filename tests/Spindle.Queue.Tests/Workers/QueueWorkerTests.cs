using Spindle.Tasks;

namespace Spindle.Queue.Tests.Workers;

/// <summary>The worker on the real clock: running, results, retries, dead jobs, bad input, cancellation, stopping.</summary>
public sealed class QueueWorkerTests : WorkerFixture
{
    [Fact]
    public async Task Jobs_run_and_their_results_can_be_awaited()
    {
        IReadOnlyList<JobHandle<int>> jobs = await Queue.EnqueueManyAsync(Double, Enumerable.Range(1, 50));
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick() with { WorkerId = "w1" });
        await worker.StartAsync();

        for (int i = 0; i < jobs.Count; i++)
        {
            Assert.Equal((i + 1) * 2, await jobs[i].WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        }

        JobInfo info = (await Queue.GetAsync(jobs[0].Id))!;
        Assert.Equal((JobState.Succeeded, 1, "w1", "2"), (info.State, info.Attempt, info.AttemptedBy, info.Result));
    }

    [Fact]
    public async Task A_handler_sees_its_jobs_id_attempt_and_claim_time()
    {
        TaskKind<int, string> of = Catalog.Add<int, string>("test.context", (_, context) => $"{context.JobId} {context.Attempt} {context.AttemptedAt?.UtcTicks}");
        JobHandle<string> job = await Queue.EnqueueAsync(of, 0);
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick());
        await worker.StartAsync();

        string seen = await job.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        JobInfo info = (await Queue.GetAsync(job.Id))!;
        Assert.Equal($"{job.Id} 1 {info.AttemptedAt!.Value.UtcTicks}", seen);
    }

    [Fact]
    public async Task The_concurrency_of_a_queue_is_honoured_and_the_worker_claims_no_more_than_its_free_slots()
    {
        IReadOnlyList<JobHandle<int>> jobs = await Queue.EnqueueManyAsync(Hold, Enumerable.Range(1, 10));
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick(concurrency: 3));
        await worker.StartAsync();
        for (int i = 0; i < 3; i++)
        {
            await NextEnteredAsync();
        }

        QueueStats stats = Assert.Single(await Queue.StatsAsync());
        Assert.Equal((3L, 7L), (stats.Running, stats.Available));

        Gate.SetResult();
        foreach (JobHandle<int> job in jobs)
        {
            await job.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(3, MaxRunning);
    }

    [Fact]
    public async Task A_claim_takes_the_slots_freed_while_it_waited_for_the_store()
    {
        // Each job waits for its own gate, so the test frees slots one at a time.
        TaskCompletionSource[] gates = [.. Enumerable.Range(0, 8).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        TaskKind<int, int> gated = Catalog.Add<int, int>("test.gated", async (x, context) =>
        {
            await gates[x].Task.WaitAsync(context.CancellationToken);
            return x;
        });
        IReadOnlyList<JobHandle<int>> jobs = await Queue.EnqueueManyAsync(gated, Enumerable.Range(0, 8));
        var claims = new List<(int Free, int Took)>();
        var secondClaimSetOut = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondClaimHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fourStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fourFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int setOut = 0, started = 0, freed = 0;
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick(concurrency: 4) with
        {
            RunMaintenance = false,
            Hooks = new WorkerHooks
            {
                BeforeClaim = free => Interlocked.Increment(ref setOut) == 2 ? Hold(free) : Task.CompletedTask,
                Claimed = (free, took) => { lock (claims) { claims.Add((free, took)); } },
                JobStarted = _ => { if (Interlocked.Increment(ref started) == 4) { fourStarted.TrySetResult(); } },
                SlotFreed = _ => { if (Interlocked.Increment(ref freed) == 4) { fourFreed.TrySetResult(); } },
            },
        });
        try
        {
            await worker.StartAsync();
            await fourStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // One slot frees: the next claim sets out for 1 and is held before it reaches the store. The other
            // three slots free meanwhile; then the claim goes on.
            gates[0].SetResult();
            Assert.Equal(1, await secondClaimSetOut.Task.WaitAsync(TimeSpan.FromSeconds(30)));
            foreach (TaskCompletionSource gate in gates[1..4])
            {
                gate.SetResult();
            }

            await fourFreed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            secondClaimHeld.SetResult();
            foreach (TaskCompletionSource gate in gates[4..])
            {
                gate.SetResult();
            }

            foreach (JobHandle<int> job in jobs)
            {
                await job.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }

            // The claim read the free slots again in the store's lock: all four, in one claim.
            lock (claims)
            {
                Assert.Equal([(4, 4), (1, 4)], claims.Take(2));
            }
        }
        finally
        {
            // Whatever failed above, nothing stays held: the worker can stop.
            secondClaimHeld.TrySetResult();
            foreach (TaskCompletionSource gate in gates)
            {
                gate.TrySetResult();
            }
        }

        Task Hold(int free)
        {
            secondClaimSetOut.TrySetResult(free);
            return secondClaimHeld.Task;
        }
    }

    [Fact]
    public async Task A_failing_job_is_retried_with_its_backoff_until_it_succeeds()
    {
        JobHandle job = await Queue.EnqueueAsync("test.flaky", "3", new EnqueueOptions { MaxAttempts = 5, Backoff = Immediate });
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick());
        await worker.StartAsync();

        Assert.Equal("ok on 3", await job.WaitAsync<string>().WaitAsync(TimeSpan.FromSeconds(30)));
        JobInfo info = (await job.GetAsync())!;
        Assert.Equal(3, info.Attempt);
        Assert.Equal("flaky failure on attempt 2", info.Error?.Message);
    }

    [Fact]
    public async Task A_job_that_keeps_failing_is_dead_after_its_last_attempt_with_the_error_kept()
    {
        JobHandle job = await Queue.EnqueueAsync("test.fail", "\"disk full\"", new EnqueueOptions { MaxAttempts = 2, Backoff = Immediate });
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick());
        await worker.StartAsync();

        JobDeadException dead = await Assert.ThrowsAsync<JobDeadException>(() => job.WaitAsync<int>().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal((TaskFailureKind.Exception, "disk full", typeof(InvalidOperationException).FullName), (dead.Failure.Kind, dead.Failure.Message, dead.Failure.ErrorType));
        Assert.Equal(2, (await job.GetAsync())!.Attempt);
    }

    [Fact]
    public async Task Unknown_kinds_and_malformed_arguments_are_dead_at_once_with_a_clear_error_and_the_worker_keeps_running()
    {
        JobHandle unknown = await Queue.EnqueueAsync("no.such.kind", "{}", new EnqueueOptions { MaxAttempts = 5 });
        JobHandle malformed = await Queue.EnqueueAsync("test.double", "\"not a number\"", new EnqueueOptions { MaxAttempts = 5 });
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick());
        await worker.StartAsync();

        JobInfo unknownInfo = await unknown.WaitUntilFinishedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        JobInfo malformedInfo = await malformed.WaitUntilFinishedAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((JobState.Dead, 1), (unknownInfo.State, unknownInfo.Attempt));
        Assert.Contains($"Job {unknown.Id} (no.such.kind) was refused", unknownInfo.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("Unknown task kind 'no.such.kind'", unknownInfo.Error.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(TaskArgumentException).FullName, unknownInfo.Error.ErrorType);
        Assert.Equal((JobState.Dead, 1), (malformedInfo.State, malformedInfo.Attempt));
        Assert.Contains("test.double", malformedInfo.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(TaskArgumentException).FullName, malformedInfo.Error.ErrorType);

        JobHandle<int> after = await Queue.EnqueueAsync(Double, 21);
        Assert.Equal(42, await after.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Cancelling_a_running_job_signals_its_token_and_the_job_ends_cancelled()
    {
        JobHandle<int> job = await Queue.EnqueueAsync(Hold, 7);
        await using QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick() with { Lease = TimeSpan.FromSeconds(3), HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        await worker.StartAsync();
        await NextEnteredAsync();

        Assert.Equal(JobCancelResult.CancelRequested, await job.CancelAsync());

        await Assert.ThrowsAsync<JobCancelledException>(() => job.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([7], CancelledHandlers);
        Assert.Equal(TaskFailureKind.Cancelled, (await job.GetAsync())!.Error?.Kind);
    }

    [Fact]
    public async Task A_graceful_stop_claims_nothing_more_and_lets_running_jobs_finish()
    {
        IReadOnlyList<JobHandle<int>> running = await Queue.EnqueueManyAsync(Hold, [1, 2, 3]);
        QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick(concurrency: 3));
        await worker.StartAsync();
        for (int i = 0; i < 3; i++)
        {
            await NextEnteredAsync();
        }

        JobHandle<int> waiting = await Queue.EnqueueAsync(Hold, 4);
        Task stopping = worker.StopAsync();
        Gate.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        foreach (JobHandle<int> job in running)
        {
            Assert.Equal(JobState.Succeeded, (await job.GetAsync())!.State);
        }

        Assert.Equal((JobState.Available, 0), ((await waiting.GetAsync())!.State, (await waiting.GetAsync())!.Attempt));
        Assert.False(worker.IsRunning);
        Assert.Empty(CancelledHandlers);
        await worker.DisposeAsync();
    }

    [Fact]
    public async Task When_the_grace_period_is_over_running_jobs_are_cancelled_and_handed_back()
    {
        JobHandle<int> job = await Queue.EnqueueAsync(Hold, 5, new EnqueueOptions { MaxAttempts = 3 });
        QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick() with { ShutdownGrace = TimeSpan.Zero });
        await worker.StartAsync();
        await NextEnteredAsync();

        await worker.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

        JobInfo info = (await job.GetAsync())!;
        Assert.Equal((JobState.Available, 1, TaskFailureKind.Lost), (info.State, info.Attempt, info.Error?.Kind));
        Assert.Contains("worker stopped", info.Error!.Message, StringComparison.Ordinal);
        Assert.Equal([5], CancelledHandlers);
        await worker.DisposeAsync();
    }

    [Fact]
    public async Task Start_and_stop_tolerate_any_order_from_many_threads()
    {
        IReadOnlyList<JobHandle<int>> jobs = await Queue.EnqueueManyAsync(Double, Enumerable.Range(1, 200));
        QueueWorker worker = QueueWorker.Create(Queue, Catalog, Quick());
        await worker.StopAsync();
        await worker.StopAsync();

        var random = new Random(5);
        for (int round = 0; round < 40; round++)
        {
            Task[] calls = Enumerable.Range(0, 6)
                .Select(_ => random.Next(2) == 0 ? Task.Run(() => worker.StartAsync()) : Task.Run(() => worker.StopAsync()))
                .ToArray();
            await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        }

        await worker.StopAsync();
        Assert.False(worker.IsRunning);
        await worker.StartAsync();
        Assert.True(worker.IsRunning);
        foreach (JobHandle<int> job in jobs)
        {
            await job.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        await worker.DisposeAsync();
        await worker.DisposeAsync();
        await worker.StopAsync();
        Assert.False(worker.IsRunning);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.StartAsync());
        QueueStats stats = Assert.Single(await Queue.StatsAsync());
        Assert.Equal((200L, 200L), (stats.Total, stats.Succeeded));
    }

    [Fact]
    public void Options_are_validated_with_a_message_naming_the_option()
    {
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => QueueWorker.Create(Queue, Catalog, new QueueWorkerOptions { Lease = TimeSpan.FromMilliseconds(1) }));
        Assert.Contains("QueueWorkerOptions.Lease", bad.Message, StringComparison.Ordinal);
        var concurrency = Assert.Throws<ArgumentOutOfRangeException>(() => QueueWorker.Create(Queue, Catalog, new QueueWorkerOptions { Queues = new Dictionary<string, int> { ["a"] = 0 } }));
        Assert.Contains("queue 'a'", concurrency.Message, StringComparison.Ordinal);
        var heartbeat = Assert.Throws<ArgumentOutOfRangeException>(() => QueueWorker.Create(Queue, Catalog, new QueueWorkerOptions { HeartbeatInterval = TimeSpan.FromSeconds(20) }));
        Assert.Contains("QueueWorkerOptions.HeartbeatInterval", heartbeat.Message, StringComparison.Ordinal);
    }
}
