namespace Spindle.Scheduling;

/// <summary>
/// When an entry runs: once at a moment, every interval, or on a cron expression in a time zone. A pure
/// value: <see cref="NextAfter"/> is a function of the schedule and its argument, never of a clock, so it
/// can be tested, printed and reasoned about on its own.
/// </summary>
/// <example>
/// <code>
/// var nightly = Schedule.Cron("30 2 * * *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
/// DateTimeOffset? next = nightly.NextAfter(someMoment);
/// </code>
/// </example>
public abstract class Schedule
{
    private protected Schedule()
    {
    }

    /// <summary>Once, at <paramref name="when"/>; a moment already past runs as soon as it is scheduled (subject to its <see cref="MissedRunPolicy"/>).</summary>
    public static Schedule At(DateTimeOffset when) => new OneShotSchedule(when);

    /// <summary>Every <paramref name="interval"/>, the first run at <paramref name="start"/>.</summary>
    /// <param name="interval">Between runs; more than zero.</param>
    /// <param name="start">The first run.</param>
    /// <param name="mode">Fixed rate keeps to the grid <c>start + k × interval</c>; fixed delay waits the interval after each run finishes.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is zero or negative.</exception>
    public static Schedule Every(TimeSpan interval, DateTimeOffset start, IntervalMode mode = IntervalMode.FixedRate)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "Schedule.Every interval must be more than zero.");
        }

        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Schedule.Every mode must be FixedRate or FixedDelay.");
        }

        return new IntervalSchedule(interval, start, mode);
    }

    /// <summary>
    /// On a cron expression (five fields, or six with seconds first; macros such as <c>@daily</c>) in
    /// <paramref name="zone"/>, parsed by Cronos. See docs/scheduler.md for what happens on daylight-saving changes.
    /// </summary>
    /// <exception cref="FormatException">The expression is not valid cron (Cronos's <c>CronFormatException</c>).</exception>
    public static Schedule Cron(string expression, TimeZoneInfo zone)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
        ArgumentNullException.ThrowIfNull(zone);
        return new CronSchedule(expression, zone);
    }

    /// <summary>The first occurrence strictly after <paramref name="from"/>, or <see langword="null"/> when there is none.</summary>
    /// <remarks>For a fixed-delay interval, <paramref name="from"/> is when the last run finished.</remarks>
    public abstract DateTimeOffset? NextAfter(DateTimeOffset from);

    /// <summary>Whether the next run is counted from the end of the last one (fixed delay) rather than from its due time.</summary>
    internal virtual bool CountsFromFinish => false;

    /// <summary>The first run of an entry scheduled at <paramref name="scheduledAt"/>.</summary>
    internal abstract DateTimeOffset? First(DateTimeOffset scheduledAt);

    /// <summary>The latest occurrence in [<paramref name="from"/>, <paramref name="to"/>], given that <paramref name="from"/> is one.</summary>
    internal abstract DateTimeOffset LatestBetween(DateTimeOffset from, DateTimeOffset to);

    /// <summary>How many occurrences lie in [<paramref name="from"/>, <paramref name="to"/>], given that <paramref name="from"/> is one; at most <paramref name="cap"/>.</summary>
    internal abstract long CountBetween(DateTimeOffset from, DateTimeOffset to, long cap);
}
