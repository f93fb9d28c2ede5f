using System.Collections.Concurrent;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Storage;

public abstract partial class JobStoreConformanceTests
{
    [Fact]
    public async Task A_claim_takes_the_highest_priority_first_and_equal_priorities_in_enqueue_order()
    {
        long[] ids = await InsertManyAsync(6, i => NewJob(priority: new[] { 1, 5, 1, 9, 5, -3 }[i]));

        IReadOnlyList<JobInfo> claimed = await ClaimAsync(6);

        Assert.Equal([ids[3], ids[1], ids[4], ids[0], ids[2], ids[5]], claimed.Select(j => j.Id));
    }

    [Fact]
    public async Task A_claim_makes_jobs_running_with_a_lease_the_worker_and_the_next_attempt()
    {
        long id = await InsertOneAsync(NewJob());
        Time.Advance(TimeSpan.FromSeconds(3));

        JobInfo claimed = await ClaimOneAsync();
        JobInfo stored = await GetAsync(id);

        Assert.Equal(id, claimed.Id);
        foreach (JobInfo job in new[] { claimed, stored })
        {
            Assert.Equal(JobState.Running, job.State);
            Assert.Equal(1, job.Attempt);
            Assert.Equal("worker-1", job.AttemptedBy);
            Assert.Equal(Start.AddSeconds(3), job.AttemptedAt);
            Assert.Equal(Start.AddSeconds(3) + Lease, job.LeaseExpiresAt);
        }

        Assert.Empty(await ClaimAsync(5));
    }

    [Fact]
    public async Task Waiting_raises_a_jobs_effective_priority_by_the_aging_rate()
    {
        await OpenStoreAsync(agingRate: 1.0);   // one point per second of waiting, for the whole database
        long old = await InsertOneAsync(NewJob(priority: 0));
        Time.Advance(TimeSpan.FromSeconds(100));
        long newerLower = await InsertOneAsync(NewJob(priority: 60));    // 60 < 0 + 100 waited
        long newerHigher = await InsertOneAsync(NewJob(priority: 150));  // 150 > 100

        IReadOnlyList<JobInfo> claimed = await ClaimAsync(3);

        Assert.Equal([newerHigher, old, newerLower], claimed.Select(j => j.Id));
    }

    [Fact]
    public async Task With_aging_off_priority_is_strict_however_long_a_job_waited()
    {
        long old = await InsertOneAsync(NewJob(priority: 0));
        Time.Advance(TimeSpan.FromDays(3));
        long urgent = await InsertOneAsync(NewJob(priority: 1));

        Assert.Equal([urgent, old], (await ClaimAsync(2)).Select(j => j.Id));
    }

    [Fact]
    public async Task A_job_is_claimed_only_once_its_run_at_time_has_come()
    {
        long later = await InsertOneAsync(NewJob(runAt: Now.AddMinutes(10), priority: 100));
        long now = await InsertOneAsync(NewJob());

        Assert.Equal([now], (await ClaimAsync(10)).Select(j => j.Id));
        Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await ClaimAsync(10));
        Assert.Equal(JobState.Scheduled, (await GetAsync(later)).State);

        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([later], (await ClaimAsync(10)).Select(j => j.Id));
    }

    [Fact]
    public async Task A_claim_never_hands_out_more_than_asked()
    {
        await InsertManyAsync(10);

        Assert.Equal(3, (await ClaimAsync(3)).Count);
        Assert.Single(await ClaimAsync(1));
        Assert.Equal(6, (await ClaimAsync(100)).Count);
        Assert.Empty(await ClaimAsync(100));
        Assert.Equal(10, (await StatsAsync())!.Running);
    }

    [Fact]
    public async Task A_claim_takes_the_slots_that_freed_while_it_waited_and_never_fewer_than_asked()
    {
        await InsertManyAsync(10);
        int readInLock = 0;

        IReadOnlyList<JobInfo> more = await Store.JobsClaim(
            new JobsClaimParams("worker-1", ["default"], 2, Lease, Now, Free: () => { readInLock++; return 5; }), CancellationToken.None);
        IReadOnlyList<JobInfo> notFewer = await Store.JobsClaim(
            new JobsClaimParams("worker-1", ["default"], 3, Lease, Now, Free: () => 1), CancellationToken.None);

        Assert.Equal(5, more.Count);
        Assert.Equal(1, readInLock);
        Assert.Equal(3, notFewer.Count);
        Assert.Equal(8, (await StatsAsync())!.Running);
    }

    [Fact]
    public async Task A_claim_for_no_slots_or_no_queues_takes_nothing()
    {
        await InsertManyAsync(3);

        Assert.Empty(await ClaimAsync(0));
        Assert.Empty(await Store.JobsClaim(new JobsClaimParams("w", [], 5, Lease, Now), CancellationToken.None));
        Assert.Empty((await Store.JobsHeartbeat(new JobsHeartbeatParams([], Lease, Now), CancellationToken.None)).Extended);
        Assert.Empty((await CompleteAsync()).Completed);
        Assert.Equal(3, (await StatsAsync())!.Available);
    }

    [Fact]
    public async Task A_claim_over_several_queues_takes_the_best_of_all_and_leaves_other_queues_alone()
    {
        long a1 = await InsertOneAsync(NewJob(queue: "a", priority: 1));
        long b9 = await InsertOneAsync(NewJob(queue: "b", priority: 9));
        long a5 = await InsertOneAsync(NewJob(queue: "a", priority: 5));
        long c99 = await InsertOneAsync(NewJob(queue: "c", priority: 99));

        IReadOnlyList<JobInfo> claimed = await ClaimAsync(2, "a", "b", "a");

        Assert.Equal([b9, a5], claimed.Select(j => j.Id));
        Assert.Equal(JobState.Available, (await GetAsync(a1)).State);
        Assert.Equal(JobState.Available, (await GetAsync(c99)).State);
        Assert.Equal([a1], (await ClaimAsync(5, "a", "b")).Select(j => j.Id));
    }

    [Fact]
    public async Task A_waiting_job_past_its_expiry_is_cancelled_instead_of_claimed()
    {
        long expiring = await InsertOneAsync(NewJob(expiresAt: Now.AddMinutes(1), priority: 5));
        long lasting = await InsertOneAsync(NewJob(expiresAt: Now.AddHours(1)));
        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal([lasting], (await ClaimAsync(10)).Select(j => j.Id));
        JobInfo expired = await GetAsync(expiring);
        Assert.Equal(JobState.Cancelled, expired.State);
        Assert.Equal(Now, expired.FinishedAt);
        Assert.Equal(Tasks.TaskFailureKind.Cancelled, expired.Error!.Kind);
        Assert.Equal("test.job", expired.Error.TaskKind);
        Assert.StartsWith("expired: no attempt started before its ExpiresAt (2026-03-01T12:01:00.000Z)", expired.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_claims_from_several_instances_and_threads_never_hand_out_a_job_twice()
    {
        const int Jobs = 1500;
        await InsertManyAsync(Jobs);
        var stores = new List<IJobStore> { Store };
        for (int i = 0; i < 3; i++)
        {
            stores.Add(await OpenStoreAsync());
        }

        // Every worker starts at the same moment, claims a small batch, completes it (the second write a
        // real worker makes), and goes again, so claims from different connections interleave.
        var claimed = new ConcurrentBag<(long Id, string Worker)>();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task[] workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            IJobStore store = stores[w % stores.Count];
            string worker = $"worker-{w}";
            await go.Task;
            while (true)
            {
                IReadOnlyList<JobInfo> batch = await ClaimAsync(store, 1 + (w % 5), worker);
                if (batch.Count == 0)
                {
                    return;
                }

                foreach (JobInfo job in batch)
                {
                    claimed.Add((job.Id, worker));
                }

                await store.JobsComplete(new JobsCompleteParams(batch.Select(j => JobCompletion.Succeeded(j.Id, j.Attempt, "0")).ToList(), Now), CancellationToken.None);
                await Task.Yield();
            }
        })).ToArray();
        go.SetResult();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(Jobs, claimed.Count);
        Assert.Equal(Jobs, claimed.Select(c => c.Id).Distinct().Count());
        Assert.True(claimed.Select(c => c.Worker).Distinct().Count() > 1, "more than one worker claimed jobs");
        QueueStats stats = (await StatsAsync())!;
        Assert.Equal((Jobs, 0L, 0L), (stats.Succeeded, stats.Running, stats.Available));
    }
}
