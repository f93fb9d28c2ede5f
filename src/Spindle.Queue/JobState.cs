namespace Spindle.Queue;

/// <summary>
/// Where a durable job is in its life. A job moves
/// <c>Scheduled → Available → Running → Succeeded</c>, or from <c>Running</c> to <c>Retrying</c> (back to
/// <c>Available</c> when its backoff has passed) or <c>Dead</c> (no attempts left); <c>Cancelled</c> can
/// follow any state that is not finished. <c>Succeeded</c>, <c>Dead</c> and <c>Cancelled</c> are final.
/// </summary>
public enum JobState
{
    /// <summary>Waiting for its run-at time; not yet claimable.</summary>
    Scheduled,

    /// <summary>Due and waiting for a worker.</summary>
    Available,

    /// <summary>Claimed by a worker that holds a lease on it, renewed by heartbeat.</summary>
    Running,

    /// <summary>An attempt failed; waiting for its backoff to pass before the next attempt.</summary>
    Retrying,

    /// <summary>Finished: the handler returned a result. Final.</summary>
    Succeeded,

    /// <summary>Finished: the last allowed attempt failed, or the failure was one no retry can fix. The error is kept. Final.</summary>
    Dead,

    /// <summary>Finished: cancelled before it completed, or expired before it started. Final.</summary>
    Cancelled,
}
