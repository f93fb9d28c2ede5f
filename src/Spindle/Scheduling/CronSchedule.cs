using Cronos;

namespace Spindle.Scheduling;

/// <summary>A cron expression in a time zone, computed by Cronos: <see cref="Schedule.Cron"/>.</summary>
/// <remarks>
/// Daylight saving is Cronos's: a time that does not exist on a spring-forward day runs once, at the first
/// moment after the gap; a time that occurs twice on a fall-back day runs once, at its first (daylight)
/// instance, except for Cronos's interval expressions: those with <c>*</c>, a range or a step in the second,
/// minute or hour field (<c>*/15 * * * *</c>, but also <c>0 * * * *</c>), which run in both instances.
/// </remarks>
internal sealed class CronSchedule : Schedule
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;
    private readonly string _text;

    internal CronSchedule(string expression, TimeZoneInfo zone)
    {
        _text = expression.Trim();

        // Six fields means seconds come first; Cronos needs to be told.
        bool withSeconds = _text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6;
        _expression = CronExpression.Parse(_text, withSeconds ? CronFormat.IncludeSeconds : CronFormat.Standard);
        _zone = zone;
    }

    public override DateTimeOffset? NextAfter(DateTimeOffset from) => _expression.GetNextOccurrence(from, _zone, inclusive: false);

    internal override DateTimeOffset? First(DateTimeOffset scheduledAt) => NextAfter(scheduledAt);

    internal override DateTimeOffset LatestBetween(DateTimeOffset from, DateTimeOffset to)
    {
        DateTimeOffset? latest = _expression.GetPreviousOccurrence(to, _zone, inclusive: true);
        return latest is { } found && found >= from ? found : from;
    }

    internal override long CountBetween(DateTimeOffset from, DateTimeOffset to, long cap) =>
        to < from ? 0 : _expression.GetOccurrences(from, to, _zone, fromInclusive: true, toInclusive: true).Take(checked((int)Math.Min(cap, int.MaxValue))).LongCount();

    public override string ToString() => $"cron '{_text}' in {_zone.Id}";
}
