using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>
/// Test hooks of a <see cref="QueueWorker"/>: callbacks at the points tests wait for, and a gate a test can
/// hold shut. Production leaves them unset, so each costs one null check. Callbacks run on the worker's own
/// loops and must return at once.
/// </summary>
internal sealed class WorkerHooks
{
    /// <summary>
    /// Awaited before each claim with the free slots the fetcher set out to fill; a test holds it to free more slots
    /// while the claim waits, as they free while a claim waits for the store's lock.
    /// </summary>
    internal Func<int, Task>? BeforeClaim { get; init; }

    /// <summary>A claim returned: the free slots the fetcher set out to fill, and how many jobs it took.</summary>
    internal Action<int, int>? Claimed { get; init; }

    /// <summary>A runner freed a slot of the named queue (its outcome handed over, or its attempt no longer this worker's).</summary>
    internal Action<string>? SlotFreed { get; init; }

    /// <summary>A claimed job is about to run its handler.</summary>
    internal Action<JobInfo>? JobStarted { get; init; }

    /// <summary>A batch of outcomes was written: what the store recorded and what it refused as stale.</summary>
    internal Action<JobsCompleteResult>? Flushed { get; init; }

    /// <summary>Awaited before each heartbeat; a test holds it to play a worker whose heartbeats stopped.</summary>
    internal Func<CancellationToken, Task>? BeforeHeartbeat { get; init; }

    /// <summary>A heartbeat was answered.</summary>
    internal Action<JobsHeartbeatResult>? Heartbeat { get; init; }

    /// <summary>A maintenance pass rescued jobs.</summary>
    internal Action<IReadOnlyList<JobRescued>>? Rescued { get; init; }

    /// <summary>A maintenance pass pruned this many jobs.</summary>
    internal Action<int>? Pruned { get; init; }

    /// <summary>
    /// A schedule pass ended: the schedule whose cron entry woke it (null for the start and refresh passes), and whether
    /// it looked for due schedules (false: a pass since that schedule's moment had already done so).
    /// </summary>
    internal Action<string?, bool>? SchedulePass { get; init; }

    /// <summary>A pass fired schedules (only the firings this worker won).</summary>
    internal Action<IReadOnlyList<ScheduleFired>>? SchedulesFired { get; init; }

    /// <summary>A maintenance pass ran the store's checkpoint.</summary>
    internal Action<StoreCheckpointed>? Checkpointed { get; init; }
}
