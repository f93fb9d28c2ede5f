using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Storage;

public abstract partial class JobStoreConformanceTests
{
    [Fact]
    public async Task A_heartbeat_extends_the_lease_of_the_current_attempt()
    {
        await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        Time.Advance(TimeSpan.FromSeconds(20));

        JobsHeartbeatResult beat = await HeartbeatAsync(LeaseOf(job));

        Assert.Equal([job.Id], beat.Extended);
        Assert.Empty(beat.Lost);
        Assert.Empty(beat.CancelRequested);
        Assert.Equal(Now + Lease, (await GetAsync(job.Id)).LeaseExpiresAt);
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await RescueAsync());   // 40 s after the claim, alive thanks to the heartbeat
    }

    [Fact]
    public async Task A_lease_and_a_completion_that_name_their_claims_time_as_a_worker_sends_them_are_taken()
    {
        // A worker names each claim by its attempt and the claim's time as read from the claim (JobInfo.AttemptedAt); a
        // store that fences by the time must match its own value, to the precision it keeps.
        Time.Advance(TimeSpan.FromTicks(7));
        await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        var lease = new JobLease(job.Id, job.Attempt, job.AttemptedAt);

        JobsHeartbeatResult beat = await HeartbeatAsync(lease);
        JobsCompleteResult done = await CompleteAsync(JobCompletion.Succeeded(job.Id, job.Attempt, "1") with { ClaimedAt = job.AttemptedAt });

        Assert.Equal([job.Id], beat.Extended);
        Assert.Empty(beat.Lost);
        Assert.Equal([(job.Id, JobState.Succeeded)], done.Completed);
        Assert.Empty(done.Stale);
    }

    [Fact]
    public async Task A_heartbeat_for_an_attempt_that_is_no_longer_current_reports_it_lost()
    {
        await InsertOneAsync(NewJob());
        JobInfo first = await ClaimOneAsync();
        Time.Advance(Lease);
        await RescueAsync();
        JobInfo second = await ClaimOneAsync();

        JobsHeartbeatResult beat = await HeartbeatAsync(LeaseOf(first), LeaseOf(second), new JobLease(second.Id + 999, 1));

        Assert.Equal([second.Id], beat.Extended);
        Assert.Equal([LeaseOf(first), new JobLease(second.Id + 999, 1)], beat.Lost);
    }

    [Fact]
    public async Task A_success_stores_the_result_and_finishes_the_job()
    {
        await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        Time.Advance(TimeSpan.FromSeconds(2));

        JobsCompleteResult result = await CompleteAsync(JobCompletion.Succeeded(job.Id, job.Attempt, """{"width":640}"""));
        JobInfo done = await GetAsync(job.Id);

        Assert.Equal([(job.Id, JobState.Succeeded)], result.Completed);
        Assert.Empty(result.Stale);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("""{"width":640}""", done.Result);
        Assert.Equal(Now, done.FinishedAt);
        Assert.Null(done.LeaseExpiresAt);
        Assert.True(done.IsFinished);
    }

    [Fact]
    public async Task A_failure_with_attempts_left_waits_out_its_backoff_then_runs_again_as_the_next_attempt()
    {
        await InsertOneAsync(NewJob(maxAttempts: 3));
        JobInfo job = await ClaimOneAsync();

        JobsCompleteResult result = await CompleteAsync(JobCompletion.Failed(job.Id, job.Attempt, Failure("disk full"), Now.AddSeconds(10)));
        JobInfo retrying = await GetAsync(job.Id);

        Assert.Equal([(job.Id, JobState.Retrying)], result.Completed);
        Assert.Equal(JobState.Retrying, retrying.State);
        Assert.Equal(Now.AddSeconds(10), retrying.RunAt);
        Assert.Equal("disk full", retrying.Error!.Message);
        Assert.Equal(TaskFailureKind.Exception, retrying.Error.Kind);
        Assert.Equal("System.InvalidOperationException", retrying.Error.ErrorType);
        Assert.Null(retrying.FinishedAt);

        Time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(await ClaimAsync(1));
        Time.Advance(TimeSpan.FromSeconds(1));
        JobInfo again = await ClaimOneAsync();
        Assert.Equal(2, again.Attempt);
        Assert.Equal("disk full", again.Error!.Message);
    }

    [Fact]
    public async Task A_failure_whose_retry_time_has_already_come_is_available_at_once()
    {
        await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();

        JobsCompleteResult result = await CompleteAsync(JobCompletion.Failed(job.Id, job.Attempt, Failure("flaky"), Now));

        Assert.Equal([(job.Id, JobState.Available)], result.Completed);
        Assert.Equal(2, (await ClaimOneAsync()).Attempt);
    }

    [Fact]
    public async Task A_failure_of_the_last_attempt_makes_the_job_dead_with_its_error()
    {
        await InsertOneAsync(NewJob(maxAttempts: 2));
        JobInfo first = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Failed(first.Id, first.Attempt, Failure("one"), Now));
        JobInfo second = await ClaimOneAsync();

        JobsCompleteResult result = await CompleteAsync(JobCompletion.Failed(second.Id, second.Attempt, Failure("two"), Now.AddSeconds(5)));
        JobInfo dead = await GetAsync(first.Id);

        Assert.Equal([(first.Id, JobState.Dead)], result.Completed);
        Assert.Equal((JobState.Dead, 2, "two"), (dead.State, dead.Attempt, dead.Error!.Message));
        Assert.Equal(Now, dead.FinishedAt);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await ClaimAsync(1));
    }

    [Fact]
    public async Task A_final_failure_makes_the_job_dead_with_attempts_left()
    {
        await InsertOneAsync(NewJob(maxAttempts: 10));
        JobInfo job = await ClaimOneAsync();

        JobsCompleteResult result = await CompleteAsync(JobCompletion.FailedFinal(job.Id, job.Attempt, Failure("unknown kind", "no.such.kind")));

        Assert.Equal([(job.Id, JobState.Dead)], result.Completed);
        Assert.Equal("no.such.kind", (await GetAsync(job.Id)).Error!.TaskKind);
    }

    [Fact]
    public async Task A_cancelled_outcome_finishes_the_job_as_cancelled()
    {
        await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        var cancelled = new TaskFailure { Kind = TaskFailureKind.Cancelled, TaskKind = "test.job", Message = "cancelled while running" };

        JobsCompleteResult result = await CompleteAsync(JobCompletion.Cancelled(job.Id, job.Attempt, cancelled));

        Assert.Equal([(job.Id, JobState.Cancelled)], result.Completed);
        Assert.Equal(TaskFailureKind.Cancelled, (await GetAsync(job.Id)).Error!.Kind);
    }

    [Fact]
    public async Task A_completion_from_a_stale_attempt_is_refused_and_the_newer_attempt_is_untouched()
    {
        await InsertOneAsync(NewJob());
        JobInfo first = await ClaimOneAsync(); // attempt 1 stalls: its lease runs out and it is rescued
        Time.Advance(Lease);
        await RescueAsync();
        JobInfo second = Assert.Single(await ClaimAsync(Store, 1, "worker-2"));

        JobsCompleteResult late = await CompleteAsync(JobCompletion.Succeeded(first.Id, first.Attempt, "\"from attempt 1\""));
        JobInfo during = await GetAsync(first.Id);
        JobsCompleteResult current = await CompleteAsync(JobCompletion.Succeeded(second.Id, second.Attempt, "\"from attempt 2\""));

        Assert.Empty(late.Completed);
        Assert.Equal([new JobLease(first.Id, 1)], late.Stale);
        Assert.Equal((JobState.Running, 2, "worker-2"), (during.State, during.Attempt, during.AttemptedBy));
        Assert.Null(during.Result);
        Assert.Equal([(first.Id, JobState.Succeeded)], current.Completed);
        Assert.Equal("\"from attempt 2\"", (await GetAsync(first.Id)).Result);
    }

    [Fact]
    public async Task A_second_completion_of_the_same_attempt_is_refused()
    {
        await InsertOneAsync(NewJob());
        JobInfo job = await ClaimOneAsync();
        await CompleteAsync(JobCompletion.Succeeded(job.Id, job.Attempt, "1"));

        JobsCompleteResult again = await CompleteAsync(JobCompletion.Failed(job.Id, job.Attempt, Failure("late"), Now));

        Assert.Equal([LeaseOf(job)], again.Stale);
        JobInfo stored = await GetAsync(job.Id);
        Assert.Equal((JobState.Succeeded, "1"), (stored.State, stored.Result));
        Assert.Null(stored.Error);
    }

    [Fact]
    public async Task A_batch_of_completions_records_each_and_returns_only_the_stale_ones()
    {
        await InsertManyAsync(4);
        IReadOnlyList<JobInfo> jobs = await ClaimAsync(4);

        JobsCompleteResult result = await CompleteAsync(
            JobCompletion.Succeeded(jobs[0].Id, 1, "0"),
            JobCompletion.Failed(jobs[1].Id, 1, Failure("x"), Now.AddMinutes(1)),
            JobCompletion.Succeeded(jobs[2].Id, 7, "stale"),
            JobCompletion.FailedFinal(jobs[3].Id, 1, Failure("y")));

        Assert.Equal([(jobs[0].Id, JobState.Succeeded), (jobs[1].Id, JobState.Retrying), (jobs[3].Id, JobState.Dead)], result.Completed);
        Assert.Equal([new JobLease(jobs[2].Id, 7)], result.Stale);
        Assert.Equal(JobState.Running, (await GetAsync(jobs[2].Id)).State);
    }
}
