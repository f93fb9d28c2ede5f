using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Storage;

/// <summary>Regression tests for the review of issue 5's store: every store must pass them too.</summary>
public abstract partial class JobStoreConformanceTests
{
    [Fact]
    public async Task Issue5_A_cancel_requested_while_the_attempt_fails_is_not_lost_to_a_retry()
    {
        long id = await InsertOneAsync(NewJob(maxAttempts: 5));
        JobInfo running = await ClaimOneAsync();
        Assert.Equal(JobCancelResult.CancelRequested, await CancelAsync(id));

        JobsCompleteResult result = await CompleteAsync(JobCompletion.Failed(id, running.Attempt, Failure("boom"), Now));

        Assert.Equal((id, JobState.Cancelled), Assert.Single(result.Completed));
        Assert.Empty(await ClaimAsync(10));
    }

    [Fact]
    public async Task Issue5_A_new_aging_rate_reranks_the_jobs_already_waiting()
    {
        IJobStore aging = await OpenStoreAsync(agingRate: 1);
        long old = (await aging.JobsInsert(new JobsInsertParams([NewJob(priority: 1_000_000) with { RunAt = Now }], Now), CancellationToken.None))[0].Id;

        // Strict priority from now on: the old urgent job must still come before a new unimportant one.
        IJobStore strict = await OpenStoreAsync(agingRate: 0);
        long recent = (await strict.JobsInsert(new JobsInsertParams([NewJob(priority: -1_000_000) with { RunAt = Now }], Now), CancellationToken.None))[0].Id;

        IReadOnlyList<JobInfo> claimed = await ClaimAsync(strict, 2, "worker-1", "default");
        Assert.Equal([old, recent], claimed.Select(j => j.Id));
    }

    [Fact]
    public async Task Issue5_A_run_at_in_the_past_buys_no_priority()
    {
        await OpenStoreAsync(agingRate: 1);
        IJobStore store = await OpenStoreAsync(agingRate: 1);
        long backdated = (await store.JobsInsert(new JobsInsertParams([NewJob(priority: 0) with { RunAt = Now - TimeSpan.FromDays(30) }], Now), CancellationToken.None))[0].Id;
        long urgent = (await store.JobsInsert(new JobsInsertParams([NewJob(priority: 1) with { RunAt = Now }], Now), CancellationToken.None))[0].Id;

        IReadOnlyList<JobInfo> claimed = await ClaimAsync(store, 2, "worker-1", "default");
        Assert.Equal([urgent, backdated], claimed.Select(j => j.Id));
    }

    [Fact]
    public async Task Issue5_A_released_attempt_goes_back_in_its_place_and_does_not_count()
    {
        long first = await InsertOneAsync(NewJob(maxAttempts: 1));
        Time.Advance(TimeSpan.FromSeconds(1));
        long second = await InsertOneAsync(NewJob(maxAttempts: 1));
        JobInfo running = await ClaimOneAsync();
        Assert.Equal(first, running.Id);

        JobsCompleteResult released = await CompleteAsync(JobCompletion.Released(first, running.Attempt, Failure("worker stopping")));
        Assert.Equal((first, JobState.Available), Assert.Single(released.Completed));

        // Still first in line, and a new attempt is allowed although max attempts was 1.
        JobInfo again = await ClaimOneAsync();
        Assert.Equal(first, again.Id);
        Assert.Equal(running.Attempt + 1, again.Attempt);
        Assert.Equal(2, (await GetAsync(first)).MaxAttempts);

        // The handed-back attempt is fenced off like any other.
        JobsCompleteResult late = await CompleteAsync(JobCompletion.Succeeded(first, running.Attempt, "1"));
        Assert.Empty(late.Completed);
        Assert.Single(late.Stale);
        Assert.Equal(JobState.Available, (await GetAsync(second)).State);
    }

    [Fact]
    public async Task Issue5_A_released_attempt_of_a_job_asked_to_cancel_is_cancelled()
    {
        long id = await InsertOneAsync(NewJob());
        JobInfo running = await ClaimOneAsync();
        await CancelAsync(id);
        JobsCompleteResult released = await CompleteAsync(JobCompletion.Released(id, running.Attempt, Failure("worker stopping")));
        Assert.Equal((id, JobState.Cancelled), Assert.Single(released.Completed));
    }

    [Fact]
    public async Task Issue5_A_claim_that_waited_for_the_lock_writes_its_lease_from_the_time_it_got_it()
    {
        long id = await InsertOneAsync(NewJob());
        DateTimeOffset asked = Now;
        Time.Advance(Lease * 2); // the claim waited longer than a lease behind other writers

        IReadOnlyList<JobInfo> claimed = await Store.JobsClaim(new JobsClaimParams("worker-1", ["default"], 1, Lease, asked, Time), CancellationToken.None);
        Assert.Equal(id, Assert.Single(claimed).Id);

        // A rescue now finds nothing to take: the lease runs from when the claim got the lock.
        Assert.Empty(await RescueAsync());
        Assert.Equal(JobState.Running, (await GetAsync(id)).State);
    }

    [Fact]
    public async Task Issue5_A_malformed_completion_is_refused_before_any_is_written()
    {
        long[] ids = await InsertManyAsync(2);
        IReadOnlyList<JobInfo> running = await ClaimAsync(2);
        await Assert.ThrowsAsync<ArgumentException>(() => CompleteAsync(
            JobCompletion.Succeeded(running[0].Id, running[0].Attempt, "1"),
            new JobCompletion(running[1].Id, running[1].Attempt, JobOutcome.Failed, null, null, Now)));
        Assert.All(ids, id => Assert.Equal(JobState.Running, GetAsync(id).Result.State));
    }

    [Fact]
    public async Task Issue5_Cancelling_a_job_waiting_to_retry_keeps_its_last_failure_in_the_note()
    {
        long id = await InsertOneAsync(NewJob(maxAttempts: 5));
        JobInfo running = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Failed(id, running.Attempt, Failure("disk full"), Now + TimeSpan.FromMinutes(5)));

        Assert.Equal(JobCancelResult.Cancelled, await CancelAsync(id));

        TaskFailure note = (await GetAsync(id)).Error!;
        Assert.Equal(TaskFailureKind.Cancelled, note.Kind);
        Assert.Contains("cancelled", note.Message, StringComparison.Ordinal);
        Assert.Contains("disk full", note.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(InvalidOperationException).FullName, note.ErrorType);
    }

    [Fact]
    public async Task Issue5_A_job_expiring_while_it_waits_to_retry_keeps_its_last_failure_in_the_note()
    {
        long id = await InsertOneAsync(NewJob(maxAttempts: 5, expiresAt: Now + TimeSpan.FromMinutes(1)));
        JobInfo running = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Failed(id, running.Attempt, Failure("disk full"), Now + TimeSpan.FromMinutes(5)));

        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(await ClaimAsync(10));

        JobInfo expired = await GetAsync(id);
        Assert.Equal(JobState.Cancelled, expired.State);
        Assert.Contains("expired", expired.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("disk full", expired.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issue5_A_job_cancelled_before_any_attempt_says_so()
    {
        long id = await InsertOneAsync(NewJob());
        Assert.Equal(JobCancelResult.Cancelled, await CancelAsync(id));
        Assert.Equal((TaskFailureKind.Cancelled, "cancelled before it started"), ((await GetAsync(id)).Error!.Kind, (await GetAsync(id)).Error!.Message));
    }
}
