using Microsoft.Extensions.Time.Testing;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests;

/// <summary>A <see cref="JobQueue"/> on a fresh SQLite file and fake time, with the store underneath for playing the worker.</summary>
public abstract class QueueFixture : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected TempDatabase Database { get; } = new();

    protected FakeTimeProvider Time { get; } = new(Start);

    protected JobQueue Queue { get; private set; } = null!;

    private protected IJobStore Store => ((StoreJobQueue)Queue).Store;

    public async Task InitializeAsync() => Queue = await JobQueue.OpenAsync(Database.ConnectionString, new JobQueueOptions { TimeProvider = Time });

    public async Task DisposeAsync()
    {
        await Queue.DisposeAsync();
        Database.Dispose();
    }

    /// <summary>Claims the job as a worker would and records its outcome.</summary>
    private protected async Task<JobInfo> RunAsWorkerAsync(Func<JobInfo, JobCompletion> outcome, string queue = "default")
    {
        JobInfo job = Assert.Single(await Store.JobsClaim(new JobsClaimParams("test-worker", [queue], 1, TimeSpan.FromMinutes(1), Time.GetUtcNow()), CancellationToken.None));
        JobsCompleteResult result = await Store.JobsComplete(new JobsCompleteParams([outcome(job)], Time.GetUtcNow()), CancellationToken.None);
        Assert.Empty(result.Stale);
        return job;
    }

    /// <summary>Advances fake time until <paramref name="task"/> finishes (a poll loop waits on the fake clock), for at most 10 real seconds.</summary>
    protected async Task<T> AdvanceUntilDoneAsync<T>(Task<T> task, TimeSpan step)
    {
        var limit = System.Diagnostics.Stopwatch.StartNew();
        while (!task.IsCompleted && limit.Elapsed < TimeSpan.FromSeconds(10))
        {
            Time.Advance(step);
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(5)));
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(1));
    }
}
