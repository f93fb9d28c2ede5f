using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Storage;

public abstract partial class JobStoreConformanceTests
{
    [Fact]
    public async Task A_job_whose_lease_ran_out_is_rescued_to_available_with_a_lost_error()
    {
        long id = await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        Time.Advance(Lease - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await RescueAsync());

        Time.Advance(TimeSpan.FromMilliseconds(1));
        IReadOnlyList<JobRescued> rescued = await RescueAsync();
        JobInfo stored = await GetAsync(id);

        Assert.Equal([new JobRescued(id, 1, JobState.Available)], rescued);
        Assert.Equal(JobState.Available, stored.State);
        Assert.Null(stored.LeaseExpiresAt);
        Assert.Equal(TaskFailureKind.Lost, stored.Error!.Kind);
        Assert.Equal("lease expired: worker worker-1 stopped renewing attempt 1 (lease ran out at 2026-03-01T12:00:30.000Z)", stored.Error.Message);
        Assert.Equal(2, (await ClaimOneAsync()).Attempt);
        Assert.Equal(1, job.Attempt);
    }

    [Fact]
    public async Task Rescue_takes_only_expired_leases_and_at_most_its_limit()
    {
        await InsertManyAsync(3);
        IReadOnlyList<JobInfo> early = await ClaimAsync(3);
        Time.Advance(TimeSpan.FromSeconds(10));
        await InsertOneAsync(NewJob());
        JobInfo late = await ClaimOneAsync();
        Time.Advance(Lease - TimeSpan.FromSeconds(10));

        IReadOnlyList<JobRescued> first = await RescueAsync(limit: 2);
        IReadOnlyList<JobRescued> second = await RescueAsync(limit: 2);

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        Assert.Equal(early.Select(j => j.Id).Order(), first.Concat(second).Select(r => r.Id).Order());
        Assert.Equal(JobState.Running, (await GetAsync(late.Id)).State);
    }

    [Fact]
    public async Task A_rescued_job_on_its_last_attempt_is_dead()
    {
        long id = await InsertOneAsync(NewJob(maxAttempts: 1));
        await ClaimOneAsync();
        Time.Advance(Lease);

        Assert.Equal([new JobRescued(id, 1, JobState.Dead)], await RescueAsync());
        JobInfo dead = await GetAsync(id);
        Assert.Equal((JobState.Dead, TaskFailureKind.Lost, Now), (dead.State, dead.Error!.Kind, dead.FinishedAt!.Value));
    }

    [Fact]
    public async Task Cancelling_a_waiting_job_cancels_it_and_no_worker_gets_it()
    {
        long available = await InsertOneAsync(NewJob());
        long scheduled = await InsertOneAsync(NewJob(runAt: Now.AddMinutes(1)));

        Assert.Equal(JobCancelResult.Cancelled, await CancelAsync(available));
        Assert.Equal(JobCancelResult.Cancelled, await CancelAsync(scheduled));
        Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Empty(await ClaimAsync(10));
        JobInfo cancelled = await GetAsync(available);
        Assert.Equal((JobState.Cancelled, Start), (cancelled.State, cancelled.FinishedAt!.Value));
        Assert.Equal(TaskFailureKind.Cancelled, cancelled.Error!.Kind);
    }

    [Fact]
    public async Task Cancelling_a_running_job_asks_its_worker_through_the_heartbeat()
    {
        long id = await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();

        Assert.Equal(JobCancelResult.CancelRequested, await CancelAsync(id));
        JobInfo running = await GetAsync(id);
        JobsHeartbeatResult beat = await HeartbeatAsync(LeaseOf(job));

        Assert.Equal((JobState.Running, Start), (running.State, running.CancelRequestedAt!.Value));
        Assert.Equal([id], beat.Extended);
        Assert.Equal([id], beat.CancelRequested);
    }

    [Fact]
    public async Task A_cancel_requested_job_whose_worker_died_is_rescued_as_cancelled()
    {
        long id = await InsertOneAsync(NewJob());
        await ClaimOneAsync();
        await CancelAsync(id);
        Time.Advance(Lease);

        Assert.Equal([new JobRescued(id, 1, JobState.Cancelled)], await RescueAsync());
        Assert.Empty(await ClaimAsync(1));
    }

    [Fact]
    public async Task Cancelling_a_finished_job_changes_nothing_and_an_unknown_id_is_not_found()
    {
        long id = await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Succeeded(id, job.Attempt, "1"));

        Assert.Equal(JobCancelResult.AlreadyFinished, await CancelAsync(id));
        Assert.Equal(JobState.Succeeded, (await GetAsync(id)).State);
        Assert.Equal(JobCancelResult.NotFound, await CancelAsync(id + 100));
    }

    [Fact]
    public async Task Retrying_a_dead_job_makes_it_available_with_one_more_attempt_and_its_attempt_count_kept()
    {
        long id = await InsertOneAsync(NewJob(maxAttempts: 1));
        JobInfo job = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Failed(id, job.Attempt, Failure("boom"), Now));
        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(JobRetryResult.Retried, await RetryAsync(id));
        JobInfo retried = await GetAsync(id);
        Assert.Equal((JobState.Available, 1, 2, Now), (retried.State, retried.Attempt, retried.MaxAttempts, retried.RunAt));
        Assert.Null(retried.FinishedAt);

        JobInfo again = await ClaimOneAsync();
        Assert.Equal(2, again.Attempt);
        Assert.Equal([LeaseOf(job)], (await CompleteAsync(JobCompletion.Succeeded(id, job.Attempt, "\"zombie\""))).Stale);
    }

    [Fact]
    public async Task Retrying_a_cancelled_job_works_and_a_waiting_running_or_succeeded_one_is_not_retryable()
    {
        long cancelled = await InsertOneAsync(NewJob(expiresAt: Now.AddMinutes(1)));
        await CancelAsync(cancelled);
        long waiting = await InsertOneAsync(NewJob(runAt: Now.AddHours(1)));

        Assert.Equal(JobRetryResult.Retried, await RetryAsync(cancelled));
        Assert.Null((await GetAsync(cancelled)).ExpiresAt);
        JobInfo running = await ClaimOneAsync();
        Assert.Equal(cancelled, running.Id);
        Assert.Equal(JobRetryResult.NotRetryable, await RetryAsync(running.Id));
        Assert.Equal(JobRetryResult.NotRetryable, await RetryAsync(waiting));
        await CompleteAsync(JobCompletion.Succeeded(running.Id, running.Attempt, "1"));
        Assert.Equal(JobRetryResult.NotRetryable, await RetryAsync(running.Id));
        Assert.Equal(JobRetryResult.NotFound, await RetryAsync(waiting + 100));
    }

    [Fact]
    public async Task Prune_deletes_finished_jobs_older_than_the_cutoff_and_nothing_else()
    {
        long[] ids = await InsertManyAsync(4);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(3);
        await CompleteAsync(JobCompletion.Succeeded(jobs[0].Id, 1, "1"), JobCompletion.FailedFinal(jobs[1].Id, 1, Failure("x")));
        Time.Advance(TimeSpan.FromHours(2));
        long recent = await InsertOneAsync(NewJob(queue: "other"));
        JobInfo recentJob = await ClaimOneAsync("other");
        await CompleteAsync(JobCompletion.Succeeded(recent, recentJob.Attempt, "1"));

        int pruned = await Store.JobsPrune(new JobsPruneParams(Now.AddHours(-1), 100), CancellationToken.None);

        Assert.Equal(2, pruned);
        Assert.Null(await Store.JobsGet(new JobsGetParams(jobs[0].Id), CancellationToken.None));
        Assert.Null(await Store.JobsGet(new JobsGetParams(jobs[1].Id), CancellationToken.None));
        Assert.Equal(JobState.Running, (await GetAsync(jobs[2].Id)).State);
        Assert.Equal(JobState.Available, (await GetAsync(ids[3])).State);
        Assert.Equal(JobState.Succeeded, (await GetAsync(recent)).State);
    }

    [Fact]
    public async Task Prune_honours_its_limit_and_its_states()
    {
        await InsertManyAsync(5);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(5);
        await CompleteAsync(jobs.Take(3).Select(j => JobCompletion.Succeeded(j.Id, 1, "1")).Concat(jobs.Skip(3).Select(j => JobCompletion.FailedFinal(j.Id, 1, Failure("x")))).ToArray());
        Time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(1, await Store.JobsPrune(new JobsPruneParams(Now, 1, [JobState.Dead]), CancellationToken.None));
        Assert.Equal(2, await Store.JobsPrune(new JobsPruneParams(Now, 2, [JobState.Succeeded]), CancellationToken.None));
        QueueStats stats = (await StatsAsync())!;
        Assert.Equal((1L, 1L), (stats.Succeeded, stats.Dead));
    }

    [Fact]
    public async Task Stats_count_jobs_per_queue_and_state()
    {
        IReadOnlyList<JobInserted> jobs = await InsertAsync(
            NewJob(queue: "a"), NewJob(queue: "a"), NewJob(queue: "a", runAt: Now.AddHours(1)), NewJob(queue: "b"), NewJob(queue: "b"));
        await ClaimOneAsync("b");
        JobInfo failing = await ClaimOneAsync("a");
        await CompleteAsync(JobCompletion.Failed(failing.Id, failing.Attempt, Failure("x"), Now.AddMinutes(1)));
        await CancelAsync(jobs[4].Id);

        IReadOnlyList<QueueStats> stats = await Store.QueueStats(new QueueStatsParams(), CancellationToken.None);

        Assert.Equal(["a", "b"], stats.Select(s => s.Queue));
        Assert.Equal((1L, 1L, 0L, 1L, 3L), (stats[0].Scheduled, stats[0].Available, stats[0].Running, stats[0].Retrying, stats[0].Total));
        Assert.Equal((0L, 1L, 1L, 0L, 2L), (stats[1].Available, stats[1].Running, stats[1].Cancelled, stats[1].Succeeded, stats[1].Total));
        Assert.Equal(1, stats[1][JobState.Cancelled]);
        Assert.Equal(["b"], (await Store.QueueStats(new QueueStatsParams("b"), CancellationToken.None)).Select(s => s.Queue));
    }

    [Fact]
    public async Task List_filters_by_queue_state_and_kind_and_pages_by_cursor_both_ways()
    {
        await InsertAsync(Enumerable.Range(0, 7).Select(i => NewJob(kind: i % 2 == 0 ? "even" : "odd", queue: i < 5 ? "a" : "b")).ToArray());

        JobPage first = await Store.JobsList(new JobsListParams("a", null, null, null, 2, NewestFirst: true), CancellationToken.None);
        JobPage second = await Store.JobsList(new JobsListParams("a", null, null, first.NextCursor, 2, NewestFirst: true), CancellationToken.None);
        JobPage third = await Store.JobsList(new JobsListParams("a", null, null, second.NextCursor, 2, NewestFirst: true), CancellationToken.None);
        JobPage evens = await Store.JobsList(new JobsListParams(null, JobState.Available, "even", null, 100, NewestFirst: false), CancellationToken.None);
        JobPage none = await Store.JobsList(new JobsListParams(null, JobState.Running, null, null, 100, NewestFirst: false), CancellationToken.None);

        long[] inA = first.Jobs.Concat(second.Jobs).Concat(third.Jobs).Select(j => j.Id).ToArray();
        Assert.Equal(5, inA.Length);
        Assert.Equal(inA.OrderDescending(), inA);
        Assert.Null(third.NextCursor);
        Assert.All(first.Jobs.Concat(second.Jobs).Concat(third.Jobs), j => Assert.Equal("a", j.Queue));
        Assert.Equal(4, evens.Jobs.Count);
        Assert.Equal(evens.Jobs.Select(j => j.Id).Order(), evens.Jobs.Select(j => j.Id));
        Assert.All(evens.Jobs, j => Assert.Equal("even", j.Kind));
        Assert.Empty(none.Jobs);
        Assert.Null(none.NextCursor);
    }

    [Fact]
    public async Task A_store_checkpoint_loses_nothing_and_the_store_keeps_working()
    {
        long[] ids = await InsertManyAsync(50);

        StoreCheckpointed? done = await Store.StoreCheckpoint(new StoreCheckpointParams(TimeSpan.FromMilliseconds(100)), CancellationToken.None);

        Assert.True(done is null || done.Value.Complete, $"{done}");
        Assert.Equal(ids.Length, (await ClaimAsync(100)).Count);
    }
}
