namespace Spindle.Queue;

/// <summary>What <see cref="JobQueue.CancelAsync"/> did.</summary>
public enum JobCancelResult
{
    /// <summary>The job had not started: it is now <see cref="JobState.Cancelled"/> and will never run.</summary>
    Cancelled,

    /// <summary>The job is running: its worker is asked to cancel it (its handler's token is signalled at the next heartbeat).</summary>
    CancelRequested,

    /// <summary>The job had already finished; nothing changed.</summary>
    AlreadyFinished,

    /// <summary>No job has that id (it never existed, or was pruned).</summary>
    NotFound,
}
