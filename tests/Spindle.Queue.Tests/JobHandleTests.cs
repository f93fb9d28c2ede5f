using System.Text.Json;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests;

public sealed class JobHandleTests : QueueFixture
{
    [Fact]
    public async Task Waiting_on_a_typed_handle_returns_the_result_decoded_by_the_kind()
    {
        var catalog = new TaskCatalog();
        TaskKind<int, long> square = catalog.Add("math.square", (int x, TaskContext _) => (long)x * x);
        JobHandle<long> handle = await Queue.EnqueueAsync(square, 12);

        await RunAsWorkerAsync(job => JobCompletion.Succeeded(job.Id, job.Attempt, "144"));

        Assert.Equal(144L, await handle.WaitAsync());
    }

    [Fact]
    public async Task Waiting_polls_on_the_queues_clock_until_a_worker_finishes_the_job()
    {
        JobHandle handle = await Queue.EnqueueAsync("greet", "\"Ada\"");
        Task<string> waiting = handle.WaitAsync<string>();
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);

        await RunAsWorkerAsync(job => JobCompletion.Succeeded(job.Id, job.Attempt, "\"hello, Ada\""));

        Assert.Equal("hello, Ada", await AdvanceUntilDoneAsync(waiting, TimeSpan.FromMilliseconds(250)));
    }

    [Fact]
    public async Task Waiting_with_json_metadata_reads_the_result_with_it()
    {
        JobHandle handle = await Queue.EnqueueAsync("numbers", "{}");
        await RunAsWorkerAsync(job => JobCompletion.Succeeded(job.Id, job.Attempt, "[1,2,3]"));

        int[] result = await handle.WaitAsync(System.Text.Json.Serialization.Metadata.JsonTypeInfo.CreateJsonTypeInfo<int[]>(JsonSerializerOptions.Default));

        Assert.Equal([1, 2, 3], result);
    }

    [Fact]
    public async Task Waiting_on_a_dead_job_throws_its_stored_error_as_a_remote_task_exception()
    {
        JobHandle handle = await Queue.EnqueueAsync("fragile", "{}", new EnqueueOptions { MaxAttempts = 1 });
        var failure = new TaskFailure { Kind = TaskFailureKind.Exception, TaskKind = "fragile", ErrorType = "System.IO.IOException", Message = "disk full", StackTrace = "at Fragile.Run()" };
        await RunAsWorkerAsync(job => JobCompletion.Failed(job.Id, job.Attempt, failure, Time.GetUtcNow()));

        RemoteTaskException error = await Assert.ThrowsAnyAsync<RemoteTaskException>(() => handle.WaitAsync<int>());

        var dead = Assert.IsType<JobDeadException>(error);
        Assert.Equal(failure, dead.Failure);
        Assert.Equal("at Fragile.Run()", dead.RemoteStackTrace);
        Assert.Equal(handle.Id, dead.Job.Id);
        Assert.Equal($"Job {handle.Id} (fragile) is dead after 1 of 1 attempt(s): System.IO.IOException in task 'fragile': disk full", dead.Message);
    }

    [Fact]
    public async Task Waiting_on_a_cancelled_job_throws_job_cancelled()
    {
        JobHandle handle = await Queue.EnqueueAsync("slow", "{}");
        Assert.Equal(JobCancelResult.Cancelled, await handle.CancelAsync());

        var error = await Assert.ThrowsAsync<JobCancelledException>(() => handle.WaitAsync<int>());

        Assert.Equal(handle.Id, error.Job.Id);
        Assert.Equal($"Job {handle.Id} (slow) was cancelled: cancelled before it started", error.Message);
        Assert.Equal(TaskFailureKind.Cancelled, error.Failure!.Kind);
    }

    [Fact]
    public async Task Waiting_on_an_expired_job_throws_job_cancelled_saying_it_expired()
    {
        JobHandle handle = await Queue.EnqueueAsync("slow", "{}", new EnqueueOptions { ExpiresAt = Start.AddMinutes(1) });
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(await Store.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromMinutes(1), Time.GetUtcNow()), CancellationToken.None));

        var error = await Assert.ThrowsAsync<JobCancelledException>(() => handle.WaitAsync<int>());

        Assert.Contains("was cancelled: expired: no attempt started before its ExpiresAt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_until_finished_returns_a_dead_job_without_throwing()
    {
        JobHandle handle = await Queue.EnqueueAsync("fragile", "{}");
        await RunAsWorkerAsync(job => JobCompletion.FailedFinal(job.Id, job.Attempt, new TaskFailure { Kind = TaskFailureKind.Exception, TaskKind = "fragile", Message = "bad" }));

        JobInfo finished = await handle.WaitUntilFinishedAsync();

        Assert.Equal((JobState.Dead, "bad"), (finished.State, finished.Error!.Message));
    }

    [Fact]
    public async Task A_retrying_job_is_not_finished_so_waiting_goes_on_until_the_next_attempt_succeeds()
    {
        JobHandle handle = await Queue.EnqueueAsync("flaky", "{}");
        await RunAsWorkerAsync(job => JobCompletion.Failed(job.Id, job.Attempt, new TaskFailure { Kind = TaskFailureKind.Exception, TaskKind = "flaky", Message = "once" }, Time.GetUtcNow().AddSeconds(1)));
        Task<int> waiting = handle.WaitAsync<int>();
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);

        JobInfo second = await RunAsWorkerAsync(job => JobCompletion.Succeeded(job.Id, job.Attempt, "7"));

        Assert.Equal(2, second.Attempt);
        Assert.Equal(7, await AdvanceUntilDoneAsync(waiting, TimeSpan.FromMilliseconds(250)));
    }

    [Fact]
    public async Task Waiting_for_a_job_that_does_not_exist_fails_and_the_wait_can_be_cancelled()
    {
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => Queue.WaitUntilFinishedAsync(424242));
        Assert.Equal("Job 424242 does not exist: it was never enqueued in this store, or it finished and was pruned.", missing.Message);

        JobHandle handle = await Queue.EnqueueAsync("slow", "{}");
        using var cancel = new CancellationTokenSource();
        Task<int> waiting = handle.WaitAsync<int>(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(JobState.Available, (await handle.GetAsync())!.State);
    }

    [Fact]
    public async Task A_result_that_is_not_json_for_the_type_is_reported_with_the_job()
    {
        JobHandle handle = await Queue.EnqueueAsync("numbers", "{}");
        await RunAsWorkerAsync(job => JobCompletion.Succeeded(job.Id, job.Attempt, "\"not a number\""));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => handle.WaitAsync<int>());

        Assert.StartsWith($"Job {handle.Id} (numbers) succeeded, but its result is not JSON for Int32:", error.Message, StringComparison.Ordinal);
    }
}
