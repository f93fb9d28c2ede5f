namespace Spindle.Queue;

/// <summary>How many jobs one queue holds in each state (<see cref="JobQueue.StatsAsync"/>).</summary>
public sealed record QueueStats
{
    /// <summary>The queue's name.</summary>
    public required string Queue { get; init; }

    /// <summary>Jobs waiting for their run-at time.</summary>
    public long Scheduled { get; init; }

    /// <summary>Jobs due and waiting for a worker.</summary>
    public long Available { get; init; }

    /// <summary>Jobs a worker is running.</summary>
    public long Running { get; init; }

    /// <summary>Jobs waiting out a backoff before their next attempt.</summary>
    public long Retrying { get; init; }

    /// <summary>Jobs that succeeded and are not yet pruned.</summary>
    public long Succeeded { get; init; }

    /// <summary>Jobs that are dead and not yet pruned.</summary>
    public long Dead { get; init; }

    /// <summary>Jobs cancelled or expired and not yet pruned.</summary>
    public long Cancelled { get; init; }

    /// <summary>All of the queue's jobs.</summary>
    public long Total => Scheduled + Available + Running + Retrying + Succeeded + Dead + Cancelled;

    /// <summary>The count of one state.</summary>
    public long this[JobState state] => state switch
    {
        JobState.Scheduled => Scheduled,
        JobState.Available => Available,
        JobState.Running => Running,
        JobState.Retrying => Retrying,
        JobState.Succeeded => Succeeded,
        JobState.Dead => Dead,
        JobState.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not a job state."),
    };
}
