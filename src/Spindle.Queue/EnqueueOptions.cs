namespace Spindle.Queue;

/// <summary>
/// How one job is enqueued. Every property is optional; what is left out comes from
/// <see cref="JobQueueOptions"/>. Validated by <see cref="JobQueue.EnqueueAsync(string, string, EnqueueOptions?, CancellationToken)"/>
/// with a message naming the option.
/// </summary>
public sealed record EnqueueOptions
{
    /// <summary>The lowest allowed <see cref="Priority"/>.</summary>
    public const int MinPriority = -1_000_000;

    /// <summary>The highest allowed <see cref="Priority"/>.</summary>
    public const int MaxPriority = 1_000_000;

    /// <summary>The queue's name: 1 to 100 ASCII letters, digits, <c>.</c>, <c>-</c> and <c>_</c>.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultQueue"/>.</value>
    public string? Queue { get; init; }

    /// <summary>Higher runs first; waiting raises it (see <see cref="JobQueueOptions.AgingRate"/>).</summary>
    /// <value>Default 0; <see cref="MinPriority"/> to <see cref="MaxPriority"/>.</value>
    public int Priority { get; init; }

    /// <summary>When the job becomes due. Not together with <see cref="Delay"/>.</summary>
    /// <value>Default <see langword="null"/>: now (or now plus <see cref="Delay"/>).</value>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>How long from now until the job becomes due. Not together with <see cref="RunAt"/>.</summary>
    /// <value>Default <see langword="null"/>: no delay; 0 to 3,650 days.</value>
    public TimeSpan? Delay { get; init; }

    /// <summary>No attempt starts after this moment: a job still waiting then is cancelled as expired.</summary>
    /// <value>Default <see langword="null"/>: never expires; otherwise later than now and than the run-at time.</value>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>How many attempts the job gets before it is dead.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultMaxAttempts"/>; 1 to 1,000.</value>
    public int? MaxAttempts { get; init; }

    /// <summary>The wait between attempts.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultBackoff"/>.</value>
    public RetryBackoff? Backoff { get; init; }

    /// <summary>How long one attempt may run before its worker cancels it.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultTimeout"/>; 1 millisecond to 7 days.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Makes enqueueing idempotent: while a job with this key exists (until it is pruned, whatever its state),
    /// enqueueing another with the same key returns the existing job instead of adding one.
    /// </summary>
    /// <value>Default <see langword="null"/>: no key; 1 to 500 characters.</value>
    public string? UniqueKey { get; init; }
}
