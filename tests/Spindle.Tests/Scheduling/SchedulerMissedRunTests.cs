using Spindle.Scheduling;

namespace Spindle.Tests.Scheduling;

/// <summary>Each missed-run policy after a long pause: an every-minute entry, and the clock jumping 10.5 minutes at once.</summary>
public sealed class SchedulerMissedRunTests
{
    private static readonly DateTimeOffset T0 = SchedulerProbe.T0;
    private static readonly TimeSpan Pause = TimeSpan.FromMinutes(10.5);

    [Fact]
    public async Task Run_once_runs_one_catch_up_run_for_the_ten_missed_and_returns_to_the_grid()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromMinutes(1), probe.Record("tick"), options: new() { MissedRuns = MissedRunPolicy.RunOnce });

        probe.Time.Advance(Pause);

        Assert.Equal(("tick", T0 + Pause), await probe.NextRunAsync());
        await probe.SettledAsync();
        Assert.True(probe.RecordedNothingMore);
        Assert.Equal(1, entry.RunCount);
        Assert.Equal(9, entry.MissedCount);
        Assert.Equal(T0.AddMinutes(11), entry.NextRunAt);
    }

    [Fact]
    public async Task Skip_drops_every_missed_run_and_waits_for_the_next_occurrence()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromMinutes(1), probe.Record("tick"), options: new() { MissedRuns = MissedRunPolicy.Skip });

        probe.Time.Advance(Pause); // the scheduler decides inside Advance: nothing is started

        Assert.Equal(0, entry.RunCount);
        Assert.Equal(10, entry.MissedCount);
        Assert.Equal(T0.AddMinutes(11), entry.NextRunAt);

        probe.Time.Advance(TimeSpan.FromMinutes(0.5));
        Assert.Equal(("tick", T0.AddMinutes(11)), await probe.NextRunAsync());
    }

    [Fact]
    public async Task Run_all_runs_each_of_the_ten_missed_occurrences_then_continues_on_schedule()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromMinutes(1), probe.Record("tick"), options: new() { MissedRuns = MissedRunPolicy.RunAll });

        probe.Time.Advance(Pause);

        List<(string Name, DateTimeOffset At)> runs = await probe.RunsAsync(10);
        await probe.SettledAsync(10);
        Assert.All(runs, r => Assert.Equal(T0 + Pause, r.At));
        Assert.True(probe.RecordedNothingMore);
        Assert.Equal(10, entry.RunCount);
        Assert.Equal(0, entry.MissedCount);
        Assert.Equal(T0.AddMinutes(11), entry.NextRunAt);
    }

    [Fact]
    public async Task Skip_drops_a_one_shot_reached_too_late_and_completes_it()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.At(T0.AddSeconds(5), probe.Record("once"), new() { MissedRuns = MissedRunPolicy.Skip });

        probe.Time.Advance(TimeSpan.FromSeconds(7)); // 2 s late, tolerance 1 s

        Assert.True(entry.Completion.IsCompleted);
        Assert.Equal(0, entry.RunCount);
        Assert.Equal(1, entry.MissedCount);
    }

    [Fact]
    public async Task Jitter_delays_each_run_by_the_seeded_randoms_offsets_without_drifting_the_grid()
    {
        var probe = new SchedulerProbe();
        var jitter = TimeSpan.FromSeconds(2);
        var expected = new Random(42);

        // Tolerance zero and Skip: a jittered run must still count as on time.
        await using var scheduler = Scheduler.Create(probe.Options with { JitterSource = new Random(42), LateTolerance = TimeSpan.Zero });
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(10), probe.Record("jittered"), options: new() { Jitter = jitter, MissedRuns = MissedRunPolicy.Skip });

        var offsets = new List<TimeSpan>();
        for (int i = 1; i <= 5; i++)
        {
            TimeSpan offset = TimeSpan.FromMilliseconds(Math.Floor(expected.NextDouble() * 2000));
            DateTimeOffset fireAt = T0.AddSeconds(10 * i) + offset;
            Assert.Equal(fireAt, entry.NextRunAt);
            Assert.InRange(offset, TimeSpan.Zero, jitter - TimeSpan.FromMilliseconds(1));
            offsets.Add(offset);

            probe.Time.SetUtcNow(fireAt - TimeSpan.FromMilliseconds(1));
            Assert.Equal(fireAt, entry.NextRunAt); // not yet
            probe.Time.SetUtcNow(fireAt);
            Assert.Equal(("jittered", fireAt), await probe.NextRunAsync());
            await probe.SettledAsync();
        }

        Assert.Equal(5, entry.RunCount);
        Assert.Equal(0, entry.MissedCount);
        Assert.True(offsets.Distinct().Count() > 1, "a seeded random should not give one offset five times");
    }

    [Fact]
    public async Task Jitter_longer_than_the_interval_loses_no_occurrence_and_counts_nothing_as_missed()
    {
        var probe = new SchedulerProbe();

        // Every draw is 0.75 of a 20 s jitter: each run fires 15 s after its due time, past the next one's due time.
        await using var scheduler = Scheduler.Create(probe.Options with { JitterSource = new FixedRandom(0.75) });
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(10), probe.Record("jittered"), options: new() { Jitter = TimeSpan.FromSeconds(20) });

        for (int i = 1; i <= 3; i++)
        {
            DateTimeOffset fireAt = T0.AddSeconds((10 * i) + 15);
            Assert.Equal(fireAt, entry.NextRunAt);
            probe.Time.SetUtcNow(fireAt);
            Assert.Equal(("jittered", fireAt), await probe.NextRunAsync());
            await probe.SettledAsync();
        }

        Assert.Equal(3, entry.RunCount);
        Assert.Equal(0, entry.MissedCount);
        Assert.Equal(T0.AddSeconds(40 + 15), entry.NextRunAt);
    }

    /// <summary>A <see cref="Random"/> whose every draw is the same fraction.</summary>
    private sealed class FixedRandom(double fraction) : Random
    {
        public override double NextDouble() => fraction;
    }
}
