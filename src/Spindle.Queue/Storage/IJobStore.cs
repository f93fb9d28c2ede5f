namespace Spindle.Queue.Storage;

/// <summary>
/// The store seam: everything the client, the workers and the maintenance services ask of a database.
/// Internal, not public API. One implementation per database (SQLite now, PostgreSQL next), all held to one
/// conformance suite. Methods are Noun+Verb and take a parameter record, so a field can be added without
/// touching every store. Every "now" comes in as a parameter from the caller's <see cref="TimeProvider"/>:
/// a store never reads the database's clock for logic.
/// </summary>
/// <remarks>
/// Each method is one short write transaction (or one read) and is atomic. Fencing: <see cref="JobsClaim"/>
/// increments a job's attempt number; heartbeats and completions name the attempt they hold and change
/// nothing when it is no longer the job's current running attempt, so a late worker never overwrites a
/// newer attempt.
/// </remarks>
internal interface IJobStore : IAsyncDisposable
{
    /// <summary>Inserts one or many jobs in one transaction: all or none. A unique key that exists returns the existing job.</summary>
    Task<IReadOnlyList<JobInserted>> JobsInsert(JobsInsertParams parameters, CancellationToken cancellationToken);

    /// <summary>One job, or <see langword="null"/> when no job has the id.</summary>
    Task<JobInfo?> JobsGet(JobsGetParams parameters, CancellationToken cancellationToken);

    /// <summary>A page of jobs matching the filters, by id.</summary>
    Task<JobPage> JobsList(JobsListParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <see cref="JobsClaimParams.Limit"/> due jobs of the given queues for one worker, highest
    /// effective priority first: each becomes running with a lease and its attempt number incremented.
    /// Due scheduled and retrying jobs are promoted first, and waiting jobs past their expiry are cancelled.
    /// </summary>
    Task<IReadOnlyList<JobInfo>> JobsClaim(JobsClaimParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Extends the leases of running attempts a worker holds (each named once); reports lost attempts and requested
    /// cancellations. A store whose claims a crash may forget fences by <see cref="JobLease.ClaimedAt"/> too; one whose
    /// claims are as durable as anything else (SQLite) may ignore it.
    /// </summary>
    Task<JobsHeartbeatResult> JobsHeartbeat(JobsHeartbeatParams parameters, CancellationToken cancellationToken);

    /// <summary>Records the outcomes of many attempts in one transaction; refuses (and returns) stale attempts, fenced as the heartbeat is.</summary>
    Task<JobsCompleteResult> JobsComplete(JobsCompleteParams parameters, CancellationToken cancellationToken);

    /// <summary>Running jobs whose lease ran out go back to available (or dead with no attempts left, or cancelled if asked).</summary>
    Task<IReadOnlyList<JobRescued>> JobsRescue(JobsRescueParams parameters, CancellationToken cancellationToken);

    /// <summary>Cancels jobs: waiting ones at once, running ones by request to their worker.</summary>
    Task<IReadOnlyList<JobCancelled>> JobsCancel(JobsCancelParams parameters, CancellationToken cancellationToken);

    /// <summary>Dead or cancelled jobs become available again, with at least one more attempt.</summary>
    Task<IReadOnlyList<JobRetried>> JobsRetry(JobsRetryParams parameters, CancellationToken cancellationToken);

    /// <summary>Deletes finished jobs that finished before a cutoff; returns how many.</summary>
    Task<int> JobsPrune(JobsPruneParams parameters, CancellationToken cancellationToken);

    /// <summary>Job counts per queue and state.</summary>
    Task<IReadOnlyList<QueueStats>> QueueStats(QueueStatsParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// The database's own housekeeping, run by workers' maintenance: on SQLite, a WAL checkpoint that copies the
    /// log into the database file and truncates it, so the log cannot grow without bound; stores without such a
    /// need do nothing. Returns <see langword="null"/> when there was nothing to do.
    /// </summary>
    Task<StoreCheckpointed?> StoreCheckpoint(StoreCheckpointParams parameters, CancellationToken cancellationToken);

    /// <summary>Adds or replaces a schedule by name; keeps its next moment when its cron and zone are unchanged.</summary>
    Task<JobScheduleInfo> SchedulesSet(SchedulesSetParams parameters, CancellationToken cancellationToken);

    /// <summary>Deletes a schedule; <see langword="false"/> when no schedule has the name. Jobs it enqueued stay.</summary>
    Task<bool> SchedulesRemove(SchedulesRemoveParams parameters, CancellationToken cancellationToken);

    /// <summary>Every schedule, by name.</summary>
    Task<IReadOnlyList<JobScheduleInfo>> SchedulesList(SchedulesListParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Fires due schedules in one transaction, each only if its next moment is still the one the caller read
    /// (compare-and-set), so however many workers fire at once, each moment enqueues one job. Returns the firings that won.
    /// </summary>
    Task<IReadOnlyList<ScheduleFired>> SchedulesFire(SchedulesFireParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this instance should run maintenance (rescue, prune) now; asked before every pass. A store shared
    /// across machines elects one leader (PostgreSQL: a session advisory lock) and answers true only there; a
    /// store whose maintenance is harmless to repeat (SQLite) answers true everywhere, the default.
    /// </summary>
    ValueTask<bool> MaintenanceLeaderAcquire(CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>
    /// Asks to be told when jobs may have become available in one of <paramref name="queues"/>: a wake-up hint
    /// only (a hint can be late or lost; the worker keeps polling). Disposing the result stops it. The default,
    /// <see langword="null"/>, is a store without hints (SQLite: its workers poll).
    /// </summary>
    IDisposable? JobsAvailableListen(IReadOnlyList<string> queues, Action<string> onAvailable) => null;
}
