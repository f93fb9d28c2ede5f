using System.Text;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>The <see cref="JobQueue"/> over an <see cref="IJobStore"/>: validation and defaults here, storage there.</summary>
internal sealed class StoreJobQueue(IJobStore store, JobQueueOptions queueOptions) : JobQueue
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(5);

    // Set once by DisposeAsync (any thread); read by every call.
    private volatile bool _disposed;

    /// <summary>The store, for the worker host and for tests.</summary>
    internal IJobStore Store => store;

    internal JobQueueOptions Options => queueOptions;

    public override async Task<JobHandle> EnqueueAsync(string kind, string arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        JobInsert job = JobInserts.Build(kind, arguments, argumentsAreJson: false, options, queueOptions, Now);
        JobInserted inserted = (await InsertAsync([job], cancellationToken).ConfigureAwait(false))[0];
        return new JobHandle(this, inserted.Id, inserted.Kind, inserted.Queue, inserted.State, inserted.Created);
    }

    public override async Task<JobHandle<TResult>> EnqueueAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, TArgs arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        JobInsert job = JobInserts.Build(kind.Name, Serialize(kind, arguments), argumentsAreJson: true, options, queueOptions, Now);
        JobInserted inserted = (await InsertAsync([job], cancellationToken).ConfigureAwait(false))[0];
        SameKind(inserted, kind.Name);
        return new JobHandle<TResult>(this, inserted.Id, inserted.Kind, inserted.Queue, inserted.State, inserted.Created, JobHandle<TResult>.DecoderOf(kind));
    }

    public override async Task<IReadOnlyList<JobHandle>> EnqueueManyAsync(IEnumerable<JobRequest> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        DateTimeOffset now = Now;
        var inserts = new List<JobInsert>();
        foreach (JobRequest request in jobs)
        {
            inserts.Add(InBatch(inserts.Count, () =>
            {
                ArgumentNullException.ThrowIfNull(request, nameof(jobs));
                return JobInserts.Build(request.Kind, request.Arguments, argumentsAreJson: false, request.Options, queueOptions, now);
            }));
        }

        IReadOnlyList<JobInserted> inserted = await InsertAsync(inserts, cancellationToken, now).ConfigureAwait(false);
        return inserted.Select(job => new JobHandle(this, job.Id, job.Kind, job.Queue, job.State, job.Created)).ToList();
    }

    public override async Task<IReadOnlyList<JobHandle<TResult>>> EnqueueManyAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, IEnumerable<TArgs> arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(arguments);
        DateTimeOffset now = Now;
        var inserts = new List<JobInsert>();
        foreach (TArgs item in arguments)
        {
            inserts.Add(InBatch(inserts.Count, () => JobInserts.Build(kind.Name, Serialize(kind, item), argumentsAreJson: true, options, queueOptions, now)));
        }

        IReadOnlyList<JobInserted> inserted = await InsertAsync(inserts, cancellationToken, now).ConfigureAwait(false);
        Func<string, TResult> decode = JobHandle<TResult>.DecoderOf(kind);
        foreach (JobInserted job in inserted)
        {
            SameKind(job, kind.Name);
        }

        return inserted.Select(job => new JobHandle<TResult>(this, job.Id, job.Kind, job.Queue, job.State, job.Created, decode)).ToList();
    }

    /// <summary>A unique key already taken by a job of another kind cannot give a typed handle: its result is
    /// not what the caller's type reads.</summary>
    private static void SameKind(JobInserted job, string kind)
    {
        if (!job.Created && !string.Equals(job.Kind, kind, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The unique key is already taken by job {job.Id} of kind '{job.Kind}', not '{kind}'; a typed handle for '{kind}' cannot follow it.", "options");
        }
    }

    public override Task<JobInfo?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return store.JobsGet(new JobsGetParams(id), cancellationToken);
    }

    public override async Task<JobInfo> WaitUntilFinishedAsync(long id, CancellationToken cancellationToken = default)
    {
        // Short first waits catch quick jobs; then every PollInterval, on the options' clock so tests can fake it.
        TimeSpan delay = FirstPoll < queueOptions.PollInterval ? FirstPoll : queueOptions.PollInterval;
        while (true)
        {
            JobInfo job = await GetAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"Job {id} does not exist: it was never enqueued in this store, or it finished and was pruned.");
            if (job.IsFinished)
            {
                return job;
            }

            await Task.Delay(delay, queueOptions.TimeProvider, cancellationToken).ConfigureAwait(false);
            delay = delay * 2 < queueOptions.PollInterval ? delay * 2 : queueOptions.PollInterval;
        }
    }

    public override Task<JobPage> ListAsync(JobListQuery? query = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        query ??= new JobListQuery();
        query.Validate();
        return store.JobsList(new JobsListParams(query.Queue, query.State, query.Kind, query.Cursor, query.Limit, query.NewestFirst), cancellationToken);
    }

    public override async Task<JobCancelResult> CancelAsync(long id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        IReadOnlyList<JobCancelled> results = await store.JobsCancel(new JobsCancelParams([id], Now), cancellationToken).ConfigureAwait(false);
        return results[0].Result;
    }

    public override async Task<JobRetryResult> RetryAsync(long id, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        IReadOnlyList<JobRetried> results = await store.JobsRetry(new JobsRetryParams([id], Now), cancellationToken).ConfigureAwait(false);
        return results[0].Result;
    }

    public override Task<IReadOnlyList<QueueStats>> StatsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return store.QueueStats(new QueueStatsParams(), cancellationToken);
    }

    public override async Task<JobScheduleInfo> SetScheduleAsync(JobSchedule schedule, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return await store.SchedulesSet(ScheduleDefinitions.Build(schedule, queueOptions, Now), cancellationToken).ConfigureAwait(false);
    }

    public override async Task<bool> RemoveScheduleAsync(string name, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return await store.SchedulesRemove(new SchedulesRemoveParams(ScheduleDefinitions.ValidName(name)), cancellationToken).ConfigureAwait(false);
    }

    public override async Task<IReadOnlyList<JobScheduleInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return await store.SchedulesList(new SchedulesListParams(), cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await store.DisposeAsync().ConfigureAwait(false);
    }

    private DateTimeOffset Now => queueOptions.TimeProvider.GetUtcNow();

    private Task<IReadOnlyList<JobInserted>> InsertAsync(IReadOnlyList<JobInsert> jobs, CancellationToken cancellationToken, DateTimeOffset? now = null)
    {
        ThrowIfDisposed();
        return jobs.Count == 0 ? Task.FromResult<IReadOnlyList<JobInserted>>([]) : store.JobsInsert(new JobsInsertParams(jobs, now ?? Now), cancellationToken);
    }

    private static string Serialize<TArgs, TResult>(TaskKind<TArgs, TResult> kind, TArgs arguments) =>
        Encoding.UTF8.GetString(kind.SerializeArguments(arguments));

    /// <summary>Builds one job of a batch; a validation error names the job's position.</summary>
    private static JobInsert InBatch(int index, Func<JobInsert> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Job {index} of the batch: {e.Message}", e);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
