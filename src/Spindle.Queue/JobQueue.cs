using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// The client of a durable job queue: enqueue named tasks, look at jobs, wait for results, cancel, retry.
/// Whoever enqueues sees only this; workers (which claim and run jobs) are a separate role. Thread safe:
/// open one per process and share it.
/// </summary>
/// <example>
/// <code>
/// await using JobQueue queue = await JobQueue.OpenAsync("sqlite:.spindle/queue.db");
/// JobHandle&lt;ResizeResult&gt; job = await queue.EnqueueAsync(resize, new ResizeArgs("a.png", 640));
/// ResizeResult result = await job.WaitAsync();   // once a worker has run it
/// </code>
/// </example>
public abstract class JobQueue : IAsyncDisposable
{
    private protected JobQueue()
    {
    }

    /// <summary>
    /// Opens the store a connection string names, creating it and applying pending schema migrations if
    /// needed. Today: <c>sqlite:path/file.db</c> (an embedded file shared by every process on the machine).
    /// </summary>
    /// <exception cref="ArgumentException">The connection string or an option is not valid.</exception>
    /// <exception cref="NotSupportedException">The store is not available yet (PostgreSQL comes next).</exception>
    public static async Task<JobQueue> OpenAsync(string connectionString, JobQueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new JobQueueOptions();
        options.Validate();
        IJobStore store = await StoreConnectionString.OpenAsync(connectionString, options, cancellationToken).ConfigureAwait(false);
        return new StoreJobQueue(store, options);
    }

    /// <summary>Enqueues a job by kind string with its arguments as JSON.</summary>
    /// <param name="kind">The task's kind string, such as <c>"images.resize"</c>; workers refuse kinds they do not know.</param>
    /// <param name="arguments">The arguments as JSON, such as <c>{"path":"a.png"}</c>.</param>
    /// <param name="options">Queue, priority, timing, retries, unique key; <see langword="null"/> takes every default.</param>
    /// <param name="cancellationToken">Cancels the enqueue (not the job).</param>
    /// <exception cref="ArgumentException">The kind, the arguments or an option is not valid; the message names which.</exception>
    public abstract Task<JobHandle> EnqueueAsync(string kind, string arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Enqueues a job of a typed task kind; the arguments are serialized with the kind's JSON codec.</summary>
    /// <exception cref="ArgumentException">An option is not valid, or the arguments are too large; the message names which.</exception>
    public abstract Task<JobHandle<TResult>> EnqueueAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, TArgs arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Enqueues many jobs in one transaction: all are added, or none (an invalid one fails the whole batch).</summary>
    /// <returns>A handle per job, in order; a unique key that matched returns the existing job's handle.</returns>
    public abstract Task<IReadOnlyList<JobHandle>> EnqueueManyAsync(IEnumerable<JobRequest> jobs, CancellationToken cancellationToken = default);

    /// <summary>Enqueues one job of a typed task kind per argument, in one transaction, all with the same options.</summary>
    public abstract Task<IReadOnlyList<JobHandle<TResult>>> EnqueueManyAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, IEnumerable<TArgs> arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>A job as it is now, or <see langword="null"/> when no job has the id (never enqueued, or pruned).</summary>
    public abstract Task<JobInfo?> GetAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Waits until the job is finished (succeeded, dead or cancelled) and returns it, polling on the options' clock.</summary>
    /// <exception cref="KeyNotFoundException">No job has the id.</exception>
    public abstract Task<JobInfo> WaitUntilFinishedAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>A page of jobs, filtered by queue, state and kind; newest first unless asked otherwise.</summary>
    public abstract Task<JobPage> ListAsync(JobListQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Cancels a job: one that has not started never will; a running one has its worker's token signalled.</summary>
    public abstract Task<JobCancelResult> CancelAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Makes a dead or cancelled job available again, with at least one more attempt.</summary>
    public abstract Task<JobRetryResult> RetryAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>How many jobs each queue holds in each state.</summary>
    public abstract Task<IReadOnlyList<QueueStats>> StatsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a recurring job, or replaces the schedule of the same name. Workers enqueue one job for each cron moment
    /// (exactly one, however many workers run); a moment missed while no worker ran is enqueued once, late.
    /// Setting a schedule again with the same cron and zone keeps its next moment.
    /// </summary>
    /// <exception cref="ArgumentException">The name, cron expression, kind, arguments or an option is invalid; the message says which.</exception>
    public abstract Task<JobScheduleInfo> SetScheduleAsync(JobSchedule schedule, CancellationToken cancellationToken = default);

    /// <summary>Removes a schedule; <see langword="false"/> when none has the name. Jobs it already enqueued stay.</summary>
    public abstract Task<bool> RemoveScheduleAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every schedule, by name.</summary>
    public abstract Task<IReadOnlyList<JobScheduleInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Closes the store's connections. Jobs are unaffected: they live in the store.</summary>
    public abstract ValueTask DisposeAsync();
}
