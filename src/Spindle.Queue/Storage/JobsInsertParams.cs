namespace Spindle.Queue.Storage;

/// <summary>Parameters of <see cref="IJobStore.JobsInsert"/>.</summary>
/// <param name="Jobs">The jobs, inserted in this order.</param>
/// <param name="Now">The enqueue time: a job with <see cref="JobInsert.RunAt"/> after it starts scheduled, otherwise available.</param>
internal sealed record JobsInsertParams(IReadOnlyList<JobInsert> Jobs, DateTimeOffset Now);

/// <summary>One validated job to insert; the client has applied every default.</summary>
internal sealed record JobInsert(
    string Kind,
    string Queue,
    string Arguments,
    int Priority,
    DateTimeOffset RunAt,
    DateTimeOffset? ExpiresAt,
    int MaxAttempts,
    TimeSpan? Timeout,
    RetryBackoff Backoff,
    string? UniqueKey);

/// <summary>What <see cref="IJobStore.JobsInsert"/> did with one job, in the order given.</summary>
/// <param name="Id">The new job's id, or the existing job's when its unique key matched.</param>
/// <param name="State">That job's state.</param>
/// <param name="Created">Whether a job was added (<see langword="false"/>: the unique key matched an existing one).</param>
/// <param name="Kind">The kind of the job as stored (another job's, when a unique key matched).</param>
/// <param name="Queue">The queue of the job as stored.</param>
internal readonly record struct JobInserted(long Id, JobState State, bool Created, string Kind, string Queue);
