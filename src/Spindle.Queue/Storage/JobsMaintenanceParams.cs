namespace Spindle.Queue.Storage;

/// <summary>Parameters of <see cref="IJobStore.JobsRescue"/>.</summary>
/// <param name="Now">Leases that ran out at or before this time are rescued.</param>
/// <param name="Limit">The most jobs rescued in one call.</param>
internal sealed record JobsRescueParams(DateTimeOffset Now, int Limit);

/// <summary>One rescued job: the attempt whose lease ran out and where the job went.</summary>
internal readonly record struct JobRescued(long Id, int Attempt, JobState State);

/// <summary>Parameters of <see cref="IJobStore.JobsCancel"/>.</summary>
internal sealed record JobsCancelParams(IReadOnlyList<long> Ids, DateTimeOffset Now);

/// <summary>What cancelling one job did.</summary>
internal readonly record struct JobCancelled(long Id, JobCancelResult Result);

/// <summary>Parameters of <see cref="IJobStore.JobsRetry"/>.</summary>
internal sealed record JobsRetryParams(IReadOnlyList<long> Ids, DateTimeOffset Now);

/// <summary>What retrying one job did.</summary>
internal readonly record struct JobRetried(long Id, JobRetryResult Result);

/// <summary>Parameters of <see cref="IJobStore.JobsPrune"/>.</summary>
/// <param name="FinishedBefore">Jobs that finished before this time are deleted.</param>
/// <param name="Limit">The most jobs deleted in one call (keeps the write transaction short).</param>
/// <param name="States">The final states to prune; <see langword="null"/> means succeeded, dead and cancelled.</param>
internal sealed record JobsPruneParams(DateTimeOffset FinishedBefore, int Limit, IReadOnlyList<JobState>? States = null);

/// <summary>Parameters of <see cref="IJobStore.StoreCheckpoint"/>.</summary>
/// <param name="Patience">How long the checkpoint may wait for other processes' readers and writers before it gives up until the next pass.</param>
internal sealed record StoreCheckpointParams(TimeSpan Patience);

/// <summary>What a checkpoint did.</summary>
/// <param name="Complete">Whether the whole log was copied and truncated (false: others were busy; the next pass tries again).</param>
internal readonly record struct StoreCheckpointed(bool Complete);
