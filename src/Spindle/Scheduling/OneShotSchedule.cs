namespace Spindle.Scheduling;

/// <summary>Once, at a moment: <see cref="Schedule.At"/>.</summary>
internal sealed class OneShotSchedule(DateTimeOffset when) : Schedule
{
    public override DateTimeOffset? NextAfter(DateTimeOffset from) => when > from ? when : null;

    internal override DateTimeOffset? First(DateTimeOffset scheduledAt) => when;

    internal override DateTimeOffset LatestBetween(DateTimeOffset from, DateTimeOffset to) => when;

    internal override long CountBetween(DateTimeOffset from, DateTimeOffset to, long cap) => when >= from && when <= to ? 1 : 0;

    public override string ToString() => $"at {when:O}";
}
