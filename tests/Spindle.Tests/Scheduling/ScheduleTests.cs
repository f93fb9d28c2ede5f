using Spindle.Scheduling;

namespace Spindle.Tests.Scheduling;

/// <summary>The pure next-occurrence math: a function of the schedule and its argument, no clock anywhere.</summary>
public sealed class ScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void At_occurs_once_strictly_after_from()
    {
        Schedule once = Schedule.At(T0);

        Assert.Equal(T0, once.NextAfter(T0.AddTicks(-1)));
        Assert.Null(once.NextAfter(T0));
    }

    [Fact]
    public void Fixed_rate_keeps_to_the_grid_from_its_start()
    {
        Schedule rate = Schedule.Every(TimeSpan.FromSeconds(10), T0);

        Assert.Equal(T0, rate.NextAfter(T0.AddHours(-1)));
        Assert.Equal(T0.AddSeconds(10), rate.NextAfter(T0));
        Assert.Equal(T0.AddSeconds(20), rate.NextAfter(T0.AddSeconds(15)));
        Assert.Equal(T0.AddSeconds(30), rate.NextAfter(T0.AddSeconds(20)));
    }

    [Fact]
    public void Fixed_delay_counts_the_interval_from_when_the_last_run_finished()
    {
        Schedule delay = Schedule.Every(TimeSpan.FromSeconds(10), T0, IntervalMode.FixedDelay);

        Assert.Equal(T0.AddSeconds(25), delay.NextAfter(T0.AddSeconds(15)));
    }

    [Fact]
    public void An_interval_must_be_positive()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Every(TimeSpan.Zero, T0));

        Assert.Contains("interval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cron_gives_the_next_occurrences_in_its_zone()
    {
        Schedule weekdays = Schedule.Cron("0 9 * * 1-5", Berlin);

        // Monday 6 January 2025, 12:00 UTC is 13:00 in Berlin: next is Tuesday 09:00 CET (08:00 UTC).
        DateTimeOffset? next = weekdays.NextAfter(T0);
        Assert.Equal(new DateTimeOffset(2025, 1, 7, 9, 0, 0, TimeSpan.FromHours(1)), next);
        Assert.Equal(TimeSpan.FromHours(1), next!.Value.Offset);
    }

    [Fact]
    public void Cron_with_six_fields_has_seconds_first()
    {
        Schedule everyFifteenSeconds = Schedule.Cron("*/15 * * * * *", TimeZoneInfo.Utc);

        Assert.Equal(T0.AddSeconds(15), everyFifteenSeconds.NextAfter(T0));
        Assert.Equal(T0.AddSeconds(30), everyFifteenSeconds.NextAfter(T0.AddSeconds(15)));
    }

    [Fact]
    public void A_bad_cron_expression_is_refused()
    {
        Assert.ThrowsAny<FormatException>(() => Schedule.Cron("61 * * * *", TimeZoneInfo.Utc));
    }

    [Fact]
    public void Berlin_spring_forward_a_daily_0230_that_does_not_exist_runs_once_at_0300_summer_time()
    {
        // 30 March 2025: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
        Schedule nightly = Schedule.Cron("30 2 * * *", Berlin);

        DateTimeOffset first = nightly.NextAfter(new DateTimeOffset(2025, 3, 29, 12, 0, 0, TimeSpan.FromHours(1)))!.Value;
        DateTimeOffset second = nightly.NextAfter(first)!.Value;

        Assert.Equal(new DateTimeOffset(2025, 3, 30, 3, 0, 0, TimeSpan.FromHours(2)), first);
        Assert.Equal(new DateTimeOffset(2025, 3, 31, 2, 30, 0, TimeSpan.FromHours(2)), second);
    }

    [Fact]
    public void Berlin_fall_back_a_daily_0230_that_occurs_twice_runs_once_at_its_first_instance()
    {
        // 26 October 2025: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30 UTC and again at 01:30 UTC.
        Schedule nightly = Schedule.Cron("30 2 * * *", Berlin);

        DateTimeOffset first = nightly.NextAfter(new DateTimeOffset(2025, 10, 25, 12, 0, 0, TimeSpan.FromHours(2)))!.Value;
        DateTimeOffset second = nightly.NextAfter(first)!.Value;

        Assert.Equal(new DateTimeOffset(2025, 10, 26, 0, 30, 0, TimeSpan.Zero), first.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2025, 10, 27, 2, 30, 0, TimeSpan.FromHours(1)), second);
    }

    [Fact]
    public void New_York_spring_forward_and_fall_back_for_daily_0230_and_0130()
    {
        // 9 March 2025: 02:00 EST jumps to 03:00 EDT. 2 November 2025: 02:00 EDT falls back to 01:00 EST.
        Schedule at0230 = Schedule.Cron("30 2 * * *", NewYork);
        Schedule at0130 = Schedule.Cron("30 1 * * *", NewYork);

        Assert.Equal(new DateTimeOffset(2025, 3, 9, 3, 0, 0, TimeSpan.FromHours(-4)), at0230.NextAfter(new DateTimeOffset(2025, 3, 8, 12, 0, 0, TimeSpan.FromHours(-5))));

        // 01:30 happens twice on 2 November (EDT, then EST): it runs once, at the first.
        DateTimeOffset first = at0130.NextAfter(new DateTimeOffset(2025, 11, 1, 12, 0, 0, TimeSpan.FromHours(-4)))!.Value;
        Assert.Equal(new DateTimeOffset(2025, 11, 2, 1, 30, 0, TimeSpan.FromHours(-4)), first);
        Assert.Equal(new DateTimeOffset(2025, 11, 3, 1, 30, 0, TimeSpan.FromHours(-5)), at0130.NextAfter(first));
    }

    [Fact]
    public void New_York_fall_back_an_interval_expression_runs_in_both_instances_of_the_repeated_hour()
    {
        Schedule halfHourly = Schedule.Cron("*/30 * * * *", NewYork);
        var from = new DateTimeOffset(2025, 11, 2, 0, 50, 0, TimeSpan.FromHours(-4));

        var occurrences = new List<DateTimeOffset>();
        for (DateTimeOffset? next = halfHourly.NextAfter(from); occurrences.Count < 5; next = halfHourly.NextAfter(next!.Value))
        {
            occurrences.Add(next!.Value);
        }

        Assert.Equal(
            [
                new DateTimeOffset(2025, 11, 2, 1, 0, 0, TimeSpan.FromHours(-4)),
                new DateTimeOffset(2025, 11, 2, 1, 30, 0, TimeSpan.FromHours(-4)),
                new DateTimeOffset(2025, 11, 2, 1, 0, 0, TimeSpan.FromHours(-5)),
                new DateTimeOffset(2025, 11, 2, 1, 30, 0, TimeSpan.FromHours(-5)),
                new DateTimeOffset(2025, 11, 2, 2, 0, 0, TimeSpan.FromHours(-5)),
            ],
            occurrences);
    }

    [Fact]
    public void New_York_fall_back_an_hourly_expression_at_minute_zero_runs_at_both_one_oclocks()
    {
        // The hour field is '*', so Cronos treats '0 * * * *' as an interval expression: 01:00 EDT and 01:00 EST.
        Schedule hourly = Schedule.Cron("0 * * * *", NewYork);
        var from = new DateTimeOffset(2025, 11, 2, 0, 30, 0, TimeSpan.FromHours(-4));

        DateTimeOffset first = hourly.NextAfter(from)!.Value;
        DateTimeOffset second = hourly.NextAfter(first)!.Value;
        DateTimeOffset third = hourly.NextAfter(second)!.Value;

        Assert.Equal(new DateTimeOffset(2025, 11, 2, 1, 0, 0, TimeSpan.FromHours(-4)), first);
        Assert.Equal(new DateTimeOffset(2025, 11, 2, 1, 0, 0, TimeSpan.FromHours(-5)), second);
        Assert.Equal(new DateTimeOffset(2025, 11, 2, 2, 0, 0, TimeSpan.FromHours(-5)), third);
    }

    [Theory]
    [InlineData(IntervalMode.FixedRate)]
    [InlineData(IntervalMode.FixedDelay)]
    public void An_interval_with_no_occurrence_before_the_end_of_time_has_no_next(IntervalMode mode)
    {
        DateTimeOffset nearTheEnd = DateTimeOffset.MaxValue.AddDays(-1);
        Schedule daily = Schedule.Every(TimeSpan.FromHours(20), nearTheEnd, mode);

        Assert.Null(daily.NextAfter(nearTheEnd.AddHours(21)));
        Assert.Null(Schedule.Every(TimeSpan.MaxValue, T0, mode).NextAfter(T0.AddTicks(1)));
    }
}
