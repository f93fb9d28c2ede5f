using Microsoft.Extensions.Time.Testing;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Tests.Storage;

/// <summary>
/// The conformance suite every <see cref="IJobStore"/> passes, on a real database: one subclass per store
/// (SQLite now, PostgreSQL next) supplies a fresh database per test and opens independent store instances
/// on it. Time is a <see cref="FakeTimeProvider"/>: the store takes every "now" as a parameter.
/// </summary>
public abstract partial class JobStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private readonly List<IJobStore> _opened = [];

    protected FakeTimeProvider Time { get; } = new(Start);

    private protected IJobStore Store { get; private set; } = null!;

    private protected DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Opens a new, independent instance of the store (its own connections) on this test's database, creating it the first time.</summary>
    private protected abstract Task<IJobStore> OpenStoreCoreAsync(double? agingRate);

    /// <summary>Removes this test's database once every instance is closed.</summary>
    protected abstract Task DropDatabaseAsync();

    public async Task InitializeAsync() => Store = await OpenStoreAsync(agingRate: 0);

    public async Task DisposeAsync()
    {
        foreach (IJobStore store in _opened)
        {
            await store.DisposeAsync();
        }

        await DropDatabaseAsync();
    }

    /// <summary>Another instance on the same database, closed with the test. A rate given here becomes the database's.</summary>
    private protected async Task<IJobStore> OpenStoreAsync(double? agingRate = null)
    {
        IJobStore store = await OpenStoreCoreAsync(agingRate);
        _opened.Add(store);
        return store;
    }

    private protected static JobInsert NewJob(
        string kind = "test.job",
        string queue = "default",
        int priority = 0,
        DateTimeOffset? runAt = null,
        int maxAttempts = 3,
        string? uniqueKey = null,
        DateTimeOffset? expiresAt = null,
        string arguments = "{}",
        TimeSpan? timeout = null) =>
        new(kind, queue, arguments, priority, runAt ?? DateTimeOffset.MinValue, expiresAt, maxAttempts, timeout, RetryBackoff.Default, uniqueKey);

    /// <summary>Inserts jobs at the current fake time; a job without a run-at time is due now.</summary>
    private protected async Task<IReadOnlyList<JobInserted>> InsertAsync(params JobInsert[] jobs) =>
        await Store.JobsInsert(new JobsInsertParams(jobs.Select(j => j.RunAt == DateTimeOffset.MinValue ? j with { RunAt = Now } : j).ToList(), Now), CancellationToken.None);

    private protected async Task<long> InsertOneAsync(JobInsert job) => (await InsertAsync(job))[0].Id;

    private protected async Task<long[]> InsertManyAsync(int count, Func<int, JobInsert>? job = null) =>
        (await InsertAsync(Enumerable.Range(0, count).Select(i => job?.Invoke(i) ?? NewJob(arguments: $"{{\"i\":{i}}}")).ToArray())).Select(j => j.Id).ToArray();

    private protected Task<IReadOnlyList<JobInfo>> ClaimAsync(int limit, params string[] queues) => ClaimAsync(Store, limit, "worker-1", queues);

    private protected Task<IReadOnlyList<JobInfo>> ClaimAsync(IJobStore store, int limit, string worker, params string[] queues) =>
        store.JobsClaim(new JobsClaimParams(worker, queues.Length == 0 ? ["default"] : queues, limit, Lease, Now), CancellationToken.None);

    private protected async Task<JobInfo> ClaimOneAsync(params string[] queues) => Assert.Single(await ClaimAsync(1, queues));

    private protected async Task<JobInfo> GetAsync(long id) =>
        await Store.JobsGet(new JobsGetParams(id), CancellationToken.None) ?? throw new Xunit.Sdk.XunitException($"Job {id} does not exist.");

    private protected Task<JobsCompleteResult> CompleteAsync(params JobCompletion[] completions) =>
        Store.JobsComplete(new JobsCompleteParams(completions, Now), CancellationToken.None);

    private protected Task<IReadOnlyList<JobRescued>> RescueAsync(int limit = 1000) =>
        Store.JobsRescue(new JobsRescueParams(Now, limit), CancellationToken.None);

    private protected Task<JobsHeartbeatResult> HeartbeatAsync(params JobLease[] leases) =>
        Store.JobsHeartbeat(new JobsHeartbeatParams(leases, Lease, Now), CancellationToken.None);

    private protected async Task<JobCancelResult> CancelAsync(long id) =>
        Assert.Single(await Store.JobsCancel(new JobsCancelParams([id], Now), CancellationToken.None)).Result;

    private protected async Task<JobRetryResult> RetryAsync(long id) =>
        Assert.Single(await Store.JobsRetry(new JobsRetryParams([id], Now), CancellationToken.None)).Result;

    private protected async Task<QueueStats?> StatsAsync(string queue = "default") =>
        (await Store.QueueStats(new QueueStatsParams(), CancellationToken.None)).SingleOrDefault(s => s.Queue == queue);

    private protected static TaskFailure Failure(string message, string kind = "test.job") =>
        new() { Kind = TaskFailureKind.Exception, TaskKind = kind, ErrorType = "System.InvalidOperationException", Message = message };

    private protected static JobLease LeaseOf(JobInfo job) => new(job.Id, job.Attempt);
}
