using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests;

public sealed class JobQueueAdminTests : QueueFixture
{
    [Fact]
    public async Task Cancel_reports_what_it_did_for_waiting_running_finished_and_unknown_jobs()
    {
        JobHandle running = await Queue.EnqueueAsync("a.job", "{}", new EnqueueOptions { Priority = 1 });
        JobHandle waiting = await Queue.EnqueueAsync("a.job", "{}");
        await Store.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromMinutes(1), Time.GetUtcNow()), CancellationToken.None);

        Assert.Equal(JobCancelResult.Cancelled, await Queue.CancelAsync(waiting.Id));
        Assert.Equal(JobCancelResult.CancelRequested, await Queue.CancelAsync(running.Id));
        Assert.Equal(JobCancelResult.AlreadyFinished, await Queue.CancelAsync(waiting.Id));
        Assert.Equal(JobCancelResult.NotFound, await Queue.CancelAsync(running.Id + 100));
        Assert.Equal(Start, (await running.GetAsync())!.CancelRequestedAt);
    }

    [Fact]
    public async Task Retry_brings_a_dead_job_back_and_refuses_one_that_is_not_dead()
    {
        JobHandle handle = await Queue.EnqueueAsync("a.job", "{}", new EnqueueOptions { MaxAttempts = 1 });
        Assert.Equal(JobRetryResult.NotRetryable, await Queue.RetryAsync(handle.Id));
        await RunAsWorkerAsync(job => JobCompletion.Failed(job.Id, job.Attempt, new TaskFailure { Kind = TaskFailureKind.Exception, TaskKind = "a.job", Message = "x" }, Time.GetUtcNow()));

        Assert.Equal(JobRetryResult.Retried, await Queue.RetryAsync(handle.Id));
        Assert.Equal(JobState.Available, (await handle.GetAsync())!.State);
        Assert.Equal(JobRetryResult.NotFound, await Queue.RetryAsync(handle.Id + 100));
    }

    [Fact]
    public async Task List_filters_and_pages_and_validates_its_query()
    {
        await Queue.EnqueueManyAsync(Enumerable.Range(0, 5).Select(i => new JobRequest(i < 3 ? "a.job" : "b.job", "{}", new EnqueueOptions { Queue = i < 4 ? "main" : "side" })));

        JobPage page = await Queue.ListAsync(new JobListQuery { Queue = "main", Limit = 2 });
        JobPage rest = await Queue.ListAsync(new JobListQuery { Queue = "main", Limit = 2, Cursor = page.NextCursor });
        JobPage oldestB = await Queue.ListAsync(new JobListQuery { Kind = "b.job", NewestFirst = false, State = JobState.Available });

        Assert.Equal(2, page.Jobs.Count);
        Assert.Equal(2, rest.Jobs.Count);
        Assert.True(page.Jobs[^1].Id > rest.Jobs[0].Id);
        Assert.Equal(2, oldestB.Jobs.Count);
        Assert.True(oldestB.Jobs[0].Id < oldestB.Jobs[1].Id);
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Queue.ListAsync(new JobListQuery { Limit = 0 }));
        Assert.StartsWith("JobListQuery.Limit must be between 1 and 10,000.", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => Queue.ListAsync(new JobListQuery { Queue = "no spaces" }));
        var state = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Queue.ListAsync(new JobListQuery { State = (JobState)(-1) }));
        Assert.StartsWith("JobListQuery.State must be one of the JobState values.", state.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_count_each_queue_by_state()
    {
        await Queue.EnqueueAsync("a.job", "{}", new EnqueueOptions { Queue = "q1" });
        await Queue.EnqueueAsync("a.job", "{}", new EnqueueOptions { Queue = "q1", Delay = TimeSpan.FromHours(1) });
        await Queue.EnqueueAsync("a.job", "{}", new EnqueueOptions { Queue = "q2" });
        await RunAsWorkerAsync(job => JobCompletion.Succeeded(job.Id, job.Attempt, "1"), "q2");

        IReadOnlyList<QueueStats> stats = await Queue.StatsAsync();

        Assert.Equal(["q1", "q2"], stats.Select(s => s.Queue));
        Assert.Equal((1L, 1L, 2L), (stats[0].Available, stats[0].Scheduled, stats[0].Total));
        Assert.Equal((1L, 1L), (stats[1].Succeeded, stats[1].Total));
    }

    [Fact]
    public async Task The_aging_rate_option_is_stored_for_every_client_of_the_database()
    {
        // Twice the default rate: after 30 s the old job has gained 60 points, more than the newer one's 45
        // (at the default rate of 1 it would have gained 30, and the newer one would come first).
        await using (await JobQueue.OpenAsync(Database.ConnectionString, new JobQueueOptions { TimeProvider = Time, AgingRate = 2.0 }))
        {
        }

        JobHandle old = await Queue.EnqueueAsync("a.job", "{}");
        Time.Advance(TimeSpan.FromSeconds(30));
        JobHandle newer = await Queue.EnqueueAsync("a.job", "{}", new EnqueueOptions { Priority = 45 });

        JobInfo first = Assert.Single(await Store.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromMinutes(1), Time.GetUtcNow()), CancellationToken.None));
        Assert.Equal(old.Id, first.Id);
        Assert.NotEqual(old.Id, newer.Id);
    }
}
