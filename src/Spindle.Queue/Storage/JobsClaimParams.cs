namespace Spindle.Queue.Storage;

/// <summary>Parameters of <see cref="IJobStore.JobsClaim"/>.</summary>
/// <param name="WorkerId">Who claims (recorded as the job's <see cref="JobInfo.AttemptedBy"/>).</param>
/// <param name="Queues">The queues served; jobs of every one compete by effective priority.</param>
/// <param name="Limit">The most jobs handed out: the worker's free slots. Never exceeded.</param>
/// <param name="Lease">How long the worker holds each job before it must heartbeat.</param>
/// <param name="Now">The claim time: only jobs due by then are claimed.</param>
/// <param name="Clock">When given, read again once the store holds its write lock, and the later time is used:
/// a claim that waited behind other writers must not hand out a lease that has already run out.</param>
/// <param name="Free">When given, the worker's free slots read again once the store holds its write lock (never
/// fewer than <paramref name="Limit"/>: slots only free up while a claim waits). A claim that waited behind other
/// writers then takes the slots freed meanwhile too, instead of leaving them for one more claim right after.</param>
internal sealed record JobsClaimParams(
    string WorkerId, IReadOnlyList<string> Queues, int Limit, TimeSpan Lease, DateTimeOffset Now, TimeProvider? Clock = null, Func<int>? Free = null)
{
    /// <summary>The time to write the lease from: the later of <see cref="Now"/> and the clock now.</summary>
    internal DateTimeOffset NowInLock => Clock?.GetUtcNow() is { } late && late > Now ? late : Now;

    /// <summary>The most jobs to hand out, read once the store holds its write lock: the larger of <see cref="Limit"/> and <see cref="Free"/>.</summary>
    internal int LimitInLock => Free?.Invoke() is { } free && free > Limit ? free : Limit;
}

/// <summary>
/// One running attempt a worker holds: the job, the attempt number it was claimed with and, where known, the claim's
/// time as the store wrote it (<see cref="JobInfo.AttemptedAt"/>). The time tells two claims with the same attempt
/// number apart: on PostgreSQL a server crash may forget a claim (claims commit without waiting for the disk), and the
/// job's next claim then hands out the same number. A worker always gives it; null fences by the attempt alone.
/// </summary>
internal readonly record struct JobLease(long Id, int Attempt, DateTimeOffset? ClaimedAt = null);

/// <summary>Parameters of <see cref="IJobStore.JobsHeartbeat"/>.</summary>
/// <param name="Jobs">The attempts the worker holds.</param>
/// <param name="Lease">The new lease, counted from <paramref name="Now"/>.</param>
/// <param name="Now">The heartbeat time.</param>
/// <param name="Clock">As for <see cref="JobsClaimParams"/>: the leases run from when the store got its write lock.</param>
internal sealed record JobsHeartbeatParams(IReadOnlyList<JobLease> Jobs, TimeSpan Lease, DateTimeOffset Now, TimeProvider? Clock = null)
{
    /// <summary>The time to extend the leases from: the later of <see cref="Now"/> and the clock now.</summary>
    internal DateTimeOffset NowInLock => Clock?.GetUtcNow() is { } late && late > Now ? late : Now;
}

/// <summary>What a heartbeat found.</summary>
/// <param name="Extended">Attempts whose lease was extended: still the job's running attempt.</param>
/// <param name="Lost">Attempts that are no longer the job's running attempt (rescued, cancelled, or finished elsewhere): stop them.</param>
/// <param name="CancelRequested">Extended attempts whose job was asked to cancel: signal their tokens.</param>
internal sealed record JobsHeartbeatResult(IReadOnlyList<long> Extended, IReadOnlyList<JobLease> Lost, IReadOnlyList<long> CancelRequested);
