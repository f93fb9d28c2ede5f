namespace Spindle.Processes;

/// <summary>Where a call of a process pool is; changed only under the pool's lock.</summary>
internal enum CallState
{
    /// <summary>Waiting in the pool's queue for a worker.</summary>
    Queued,

    /// <summary>Written to a worker's pipe (running, or queued in the worker behind the running call).</summary>
    Sent,

    /// <summary>Answered, failed or cancelled; whoever moved it here completes it.</summary>
    Done,
}
