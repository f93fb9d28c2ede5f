using Spindle.Pools;

namespace Spindle.Scheduling;

/// <summary>
/// One entry of a <see cref="Scheduler"/>: its schedule, its counters, and the handle that cancels it.
/// An entry never overlaps itself: its next run is planned only after the current one has finished.
/// </summary>
public sealed class ScheduledEntry : IDisposable
{
    private const long NoRun = long.MinValue;

    private readonly TimerScheduler _owner;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Written under the owner's lock, read anywhere: the next fire time in UTC ticks, NoRun when none is planned.
    private long _nextRunTicks = NoRun;

    // Interlocked by the run that finishes; read anywhere.
    private long _runs;
    private long _failures;
    private long _missed;

    internal ScheduledEntry(TimerScheduler owner, long sequence, Schedule schedule, Func<CancellationToken, ValueTask> target, EntryOptions options)
    {
        _owner = owner;
        Sequence = sequence;
        Schedule = schedule;
        Target = target;
        Options = options;
        Name = options.Name ?? $"entry-{sequence}";
    }

    internal enum Phase
    {
        New,
        Waiting,
        Ready,
        Running,
        Done,
    }

    /// <summary>The entry's name, from its options or <c>entry-N</c>.</summary>
    public string Name { get; }

    /// <summary>Among runs due at the same moment, higher goes first.</summary>
    public int Priority => Options.Priority;

    /// <summary>When the entry runs.</summary>
    public Schedule Schedule { get; }

    /// <summary>When the next run is due (jitter included, in UTC), or <see langword="null"/> while one runs or once no more will.</summary>
    public DateTimeOffset? NextRunAt
    {
        get
        {
            long ticks = Volatile.Read(ref _nextRunTicks);
            return ticks == NoRun ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Runs that have finished, failed ones included.</summary>
    public long RunCount => Interlocked.Read(ref _runs);

    /// <summary>Runs that threw.</summary>
    public long FailureCount => Interlocked.Read(ref _failures);

    /// <summary>Occurrences that will never run: skipped, or folded into one run by <see cref="MissedRunPolicy.RunOnce"/>.</summary>
    public long MissedCount => Interlocked.Read(ref _missed);

    /// <summary>Completes when the entry will run no more (a one-shot that ran, a cancelled entry, a disposed scheduler) and no run of it is in progress.</summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Cancels the entry: no further runs, a run in progress has its token signalled; completes once that run has
    /// returned. Called from the entry's own target, it completes at once (the run cannot wait for itself).
    /// </summary>
    public Task CancelAsync(CancellationToken cancellationToken = default) =>
        _owner.Cancel(this) ? Task.CompletedTask : Completion.WaitAsync(cancellationToken);

    /// <summary>Cancels the entry without waiting for a run in progress (see <see cref="CancelAsync"/>).</summary>
    public void Dispose() => _owner.Cancel(this);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Schedule})";

    internal long Sequence { get; }

    internal Func<CancellationToken, ValueTask> Target { get; }

    internal EntryOptions Options { get; }

    internal WorkerPool? Pool => Options.Pool;

    // The fields below are the scheduler's bookkeeping: written and read only under the owner's lock.
    internal Phase State;

    // Bumped each time the entry is queued or stopped, so stale heap elements are recognised and skipped.
    internal long Version;

    // The occurrence the entry waits for, and the jitter added to it for this occurrence.
    internal DateTimeOffset Due;
    internal TimeSpan JitterOffset;

    // Set by Cancel or disposal; the entry finishes its current run, if any, and is not planned again.
    internal bool Stopped;

    // The token source of the run in progress; null between runs.
    internal CancellationTokenSource? RunCancellation;

    // Whether the run in progress has its target awaiting the scheduler's DisposeAsync; cleared when it finishes.
    internal bool RunDisposing;

    internal DateTimeOffset FireAt => Due + JitterOffset;

    internal EntryKey Key => new(FireAt, Priority, Sequence);

    internal void PublishNextRun(DateTimeOffset? at) => Volatile.Write(ref _nextRunTicks, at is { } due ? due.UtcTicks : NoRun);

    internal void CountRun(bool failed)
    {
        Interlocked.Increment(ref _runs);
        if (failed)
        {
            Interlocked.Increment(ref _failures);
        }
    }

    internal void CountMissed(long missed)
    {
        if (missed > 0)
        {
            Interlocked.Add(ref _missed, missed);
        }
    }

    internal void Complete() => _completion.TrySetResult();
}
