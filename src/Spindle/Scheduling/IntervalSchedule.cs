namespace Spindle.Scheduling;

/// <summary>Every interval from a start: <see cref="Schedule.Every"/>.</summary>
/// <remarks>
/// Fixed rate: the occurrences are the grid <c>start + k × interval</c>, whatever happened to earlier runs.
/// Fixed delay: an entry has one pending occurrence at a time, the interval after its last run finished.
/// </remarks>
internal sealed class IntervalSchedule(TimeSpan interval, DateTimeOffset start, IntervalMode mode) : Schedule
{
    internal TimeSpan Interval => interval;

    internal IntervalMode Mode => mode;

    internal override bool CountsFromFinish => mode == IntervalMode.FixedDelay;

    public override DateTimeOffset? NextAfter(DateTimeOffset from)
    {
        if (mode == IntervalMode.FixedDelay)
        {
            return Later(from, interval.Ticks);
        }

        if (from < start)
        {
            return start;
        }

        long steps = ((from - start).Ticks / interval.Ticks) + 1;
        return steps > long.MaxValue / interval.Ticks ? null : Later(start, interval.Ticks * steps);
    }

    /// <summary><paramref name="at"/> plus <paramref name="ticks"/>, or no occurrence when that is past the end of time.</summary>
    private static DateTimeOffset? Later(DateTimeOffset at, long ticks)
    {
        // Both the UTC and the local clock time must stay in range; DateTimeOffset knows the exact rule.
        try
        {
            return at.AddTicks(ticks);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    internal override DateTimeOffset? First(DateTimeOffset scheduledAt) => start;

    internal override DateTimeOffset LatestBetween(DateTimeOffset from, DateTimeOffset to) =>
        mode == IntervalMode.FixedDelay || to < from ? from : from + (interval * ((to - from).Ticks / interval.Ticks));

    internal override long CountBetween(DateTimeOffset from, DateTimeOffset to, long cap) =>
        to < from ? 0 : mode == IntervalMode.FixedDelay ? 1 : Math.Min(cap, ((to - from).Ticks / interval.Ticks) + 1);

    public override string ToString() => $"every {interval} ({(mode == IntervalMode.FixedRate ? "fixed rate" : "fixed delay")}) from {start:O}";
}
