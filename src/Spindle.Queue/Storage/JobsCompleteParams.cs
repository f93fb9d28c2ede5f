using Spindle.Tasks;

namespace Spindle.Queue.Storage;

/// <summary>Parameters of <see cref="IJobStore.JobsComplete"/>: a batch of outcomes, recorded in one transaction.</summary>
internal sealed record JobsCompleteParams(IReadOnlyList<JobCompletion> Completions, DateTimeOffset Now);

/// <summary>How an attempt ended.</summary>
internal enum JobOutcome
{
    /// <summary>The handler returned; <see cref="JobCompletion.Result"/> holds the result JSON.</summary>
    Succeeded,

    /// <summary>The attempt failed: retry at <see cref="JobCompletion.RetryAt"/>, or dead when no attempt is left.</summary>
    Failed,

    /// <summary>The attempt failed in a way no retry fixes (unknown kind, malformed arguments): dead now.</summary>
    FailedFinal,

    /// <summary>The handler stopped because its job was cancelled: cancelled now.</summary>
    Cancelled,

    /// <summary>The worker handed the attempt back unfinished (it is shutting down): available again at once, in
    /// its old place, and the attempt does not count against its maximum. Cancelled instead when cancellation
    /// was asked for.</summary>
    Released,
}

/// <summary>The outcome of one attempt, fenced by its attempt number and, where given, its claim's time (<see cref="JobLease"/>).</summary>
internal sealed record JobCompletion(long Id, int Attempt, JobOutcome Outcome, string? Result, TaskFailure? Error, DateTimeOffset? RetryAt)
{
    internal static JobCompletion Succeeded(long id, int attempt, string result) => new(id, attempt, JobOutcome.Succeeded, result, null, null);

    internal static JobCompletion Failed(long id, int attempt, TaskFailure error, DateTimeOffset retryAt) => new(id, attempt, JobOutcome.Failed, null, error, retryAt);

    internal static JobCompletion FailedFinal(long id, int attempt, TaskFailure error) => new(id, attempt, JobOutcome.FailedFinal, null, error, null);

    internal static JobCompletion Cancelled(long id, int attempt, TaskFailure error) => new(id, attempt, JobOutcome.Cancelled, null, error, null);

    internal static JobCompletion Released(long id, int attempt, TaskFailure reason) => new(id, attempt, JobOutcome.Released, null, reason, null);

    internal JobLease Lease => new(Id, Attempt, ClaimedAt);

    /// <summary>The claim's time as the store wrote it (<see cref="JobInfo.AttemptedAt"/>), or null: see <see cref="JobLease"/>.</summary>
    internal DateTimeOffset? ClaimedAt { get; init; }
}

/// <summary>What <see cref="IJobStore.JobsComplete"/> did.</summary>
/// <param name="Completed">Each recorded completion with the state its job is now in.</param>
/// <param name="Stale">Completions refused because their claim was no longer the job's running attempt.</param>
internal sealed record JobsCompleteResult(IReadOnlyList<(long Id, JobState State)> Completed, IReadOnlyList<JobLease> Stale);
