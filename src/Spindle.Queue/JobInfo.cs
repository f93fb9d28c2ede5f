using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>A durable job as the store holds it: what to run, where it is in its life, and how it ended.</summary>
public sealed record JobInfo
{
    /// <summary>The job's id, unique in its database and never reused.</summary>
    public required long Id { get; init; }

    /// <summary>The task's kind string, such as <c>"images.resize"</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The queue it waits in.</summary>
    public required string Queue { get; init; }

    /// <summary>Where the job is in its life.</summary>
    public required JobState State { get; init; }

    /// <summary>Its priority as enqueued (higher runs first).</summary>
    public required int Priority { get; init; }

    /// <summary>The arguments, as JSON.</summary>
    public required string Arguments { get; init; }

    /// <summary>The result as JSON, once <see cref="JobState.Succeeded"/>.</summary>
    public string? Result { get; init; }

    /// <summary>The last failure: kept when the job retries, dies, is cancelled or expires (and after a later success).</summary>
    public TaskFailure? Error { get; init; }

    /// <summary>How many attempts have started (0 until the first claim). Completions are fenced by it.</summary>
    public required int Attempt { get; init; }

    /// <summary>How many attempts the job gets before it is dead.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>How long one attempt may run, or <see langword="null"/> for the worker's own limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The wait between attempts.</summary>
    public required RetryBackoff Backoff { get; init; }

    /// <summary>The idempotency key it was enqueued with, if any.</summary>
    public string? UniqueKey { get; init; }

    /// <summary>When it was enqueued.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it is (or was) due: its run-at time, or the end of its backoff after a failure.</summary>
    public required DateTimeOffset RunAt { get; init; }

    /// <summary>After this moment no attempt starts, if set.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When its latest attempt started.</summary>
    public DateTimeOffset? AttemptedAt { get; init; }

    /// <summary>The worker that claimed its latest attempt.</summary>
    public string? AttemptedBy { get; init; }

    /// <summary>While running: when the worker's lease runs out unless a heartbeat renews it.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>When cancellation was asked for while it ran.</summary>
    public DateTimeOffset? CancelRequestedAt { get; init; }

    /// <summary>When it reached a final state.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Whether the job is in a final state: succeeded, dead or cancelled.</summary>
    public bool IsFinished => State is JobState.Succeeded or JobState.Dead or JobState.Cancelled;
}
