using Spindle.Pools;

namespace Spindle.Scheduling;

/// <summary>Options of one scheduled entry; validated when the entry is added.</summary>
public sealed record EntryOptions
{
    internal static readonly EntryOptions Default = new();

    /// <summary>A name for errors and reports.</summary>
    /// <value>Default <see langword="null"/>: <c>entry-N</c>, N counting entries from 1.</value>
    public string? Name { get; init; }

    /// <summary>Among runs due at the same moment, higher goes first (Python's <c>sched</c> has it the other way round); passed on to <see cref="Pool"/>.</summary>
    /// <value>Default 0.</value>
    public int Priority { get; init; }

    /// <summary>What happens to occurrences missed during a pause or a slow run.</summary>
    /// <value>Default <see cref="MissedRunPolicy.RunOnce"/>.</value>
    public MissedRunPolicy MissedRuns { get; init; } = MissedRunPolicy.RunOnce;

    /// <summary>
    /// Each run starts a random delay of up to this after its due time (whole milliseconds), so that many
    /// entries due at the same moment spread out. The schedule itself does not drift.
    /// </summary>
    /// <value>Default zero (no jitter); zero to 1 day.</value>
    public TimeSpan Jitter { get; init; }

    /// <summary>Runs the target as a call on this pool, at <see cref="Priority"/>, instead of on the scheduler's own task.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public WorkerPool? Pool { get; init; }

    internal void Validate()
    {
        if (!Enum.IsDefined(MissedRuns))
        {
            throw new ArgumentOutOfRangeException(nameof(MissedRuns), MissedRuns, "EntryOptions.MissedRuns must be RunOnce, Skip or RunAll.");
        }

        if (Jitter < TimeSpan.Zero || Jitter > TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "EntryOptions.Jitter must be between zero and 1 day.");
        }
    }
}
