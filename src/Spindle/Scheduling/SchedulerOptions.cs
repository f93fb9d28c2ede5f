namespace Spindle.Scheduling;

/// <summary>Options of a <see cref="Scheduler"/>; validated once by <see cref="Scheduler.Create"/>.</summary>
public sealed record SchedulerOptions
{
    /// <summary>The clock: when entries are due, and the timers that wake the scheduler.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How many runs, of all entries, go at the same time. Due runs wait for a slot in order of due time,
    /// then priority (higher first), then the order they were scheduled in; 1 gives Python's <c>sched</c>.
    /// </summary>
    /// <value>Default <see cref="Environment.ProcessorCount"/>; 1 to 4096.</value>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>How late an occurrence may start and still count as on time rather than missed (see <see cref="MissedRunPolicy"/>).</summary>
    /// <value>Default 1 second; zero to 1 day.</value>
    public TimeSpan LateTolerance { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Where jitter comes from; pass a seeded <see cref="Random"/> for repeatable runs. Only read under the scheduler's lock.</summary>
    /// <value>Default <see langword="null"/>: <see cref="Random.Shared"/>.</value>
    public Random? JitterSource { get; init; }

    /// <summary>
    /// Called when a run throws (a run cancelled by its own token is not a failure). The entry keeps its
    /// schedule either way; an exception thrown by the callback itself is ignored.
    /// </summary>
    /// <value>Default <see langword="null"/>: failures are only counted (<see cref="ScheduledEntry.FailureCount"/>).</value>
    public Action<OnRunFailedArguments>? OnRunFailed { get; init; }

    /// <summary>Whether <see cref="Scheduler.DisposeAsync"/> signals the token of runs in progress instead of letting them finish undisturbed.</summary>
    /// <value>Default <see langword="false"/>: disposal waits for running targets to return on their own.</value>
    public bool CancelRunningOnDispose { get; init; }

    /// <summary>Test hook: called as each started run begins, before it checks that its entry may still run.</summary>
    internal Action<ScheduledEntry>? BeforeRun { get; init; }

    /// <summary>Test hook: called after each run has finished and its entry has been rescheduled.</summary>
    internal Action<ScheduledEntry>? AfterRun { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (MaxConcurrency is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "SchedulerOptions.MaxConcurrency must be between 1 and 4096.");
        }

        if (LateTolerance < TimeSpan.Zero || LateTolerance > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(LateTolerance), LateTolerance, "SchedulerOptions.LateTolerance must be between zero and 1 day.");
        }
    }
}
