namespace Spindle.Queue;

/// <summary>What <see cref="JobQueue.RetryAsync"/> did.</summary>
public enum JobRetryResult
{
    /// <summary>The dead or cancelled job is <see cref="JobState.Available"/> again, with at least one more attempt allowed.</summary>
    Retried,

    /// <summary>The job is not dead or cancelled (it is waiting, running, or succeeded); nothing changed.</summary>
    NotRetryable,

    /// <summary>No job has that id (it never existed, or was pruned).</summary>
    NotFound,
}
