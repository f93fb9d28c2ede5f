namespace Spindle.Queue;

/// <summary>A stored <see cref="JobSchedule"/>, with every default applied, and where it is in time.</summary>
public sealed record JobScheduleInfo
{
    /// <summary>The schedule's name.</summary>
    public required string Name { get; init; }

    /// <summary>The cron expression as given.</summary>
    public required string Cron { get; init; }

    /// <summary>The id of the zone the expression is read in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>The task kind each job runs.</summary>
    public required string Kind { get; init; }

    /// <summary>The arguments of each job, as JSON.</summary>
    public required string Arguments { get; init; }

    /// <summary>The queue each job goes to.</summary>
    public required string Queue { get; init; }

    /// <summary>Each job's priority.</summary>
    public required int Priority { get; init; }

    /// <summary>Each job's attempts before it is dead.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>How long one attempt may run, or <see langword="null"/> for the worker's limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Each job's wait between attempts.</summary>
    public required RetryBackoff Backoff { get; init; }

    /// <summary>The next moment a job is due, or <see langword="null"/> when the expression has no further moment.</summary>
    public DateTimeOffset? NextRunAt { get; init; }

    /// <summary>The last moment a job was enqueued for, if any.</summary>
    public DateTimeOffset? LastRunAt { get; init; }

    /// <summary>The job enqueued for <see cref="LastRunAt"/>.</summary>
    public long? LastJobId { get; init; }

    /// <summary>When the schedule was first set.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the schedule was last set.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
