using Spindle.Pools;
using Spindle.Scheduling;
using Spindle.Tests.Pools;

namespace Spindle.Tests.Scheduling;

public sealed class SchedulerEntryTests
{
    private static readonly DateTimeOffset T0 = SchedulerProbe.T0;

    [Fact]
    public async Task At_runs_once_exactly_at_its_moment_and_then_completes()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.At(T0.AddSeconds(5), probe.Record("at"));

        probe.Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(T0.AddSeconds(5), entry.NextRunAt);
        Assert.Equal(0, entry.RunCount);

        probe.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(("at", T0.AddSeconds(5)), await probe.NextRunAsync());
        await entry.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, entry.RunCount);
        Assert.Null(entry.NextRunAt);
    }

    [Fact]
    public async Task After_counts_its_delay_from_now_on_the_injected_clock()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        probe.Time.Advance(TimeSpan.FromMinutes(1));
        ScheduledEntry entry = scheduler.After(TimeSpan.FromSeconds(3), probe.Record("after"));

        Assert.Equal(T0.AddMinutes(1).AddSeconds(3), entry.NextRunAt);
        probe.Time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(("after", T0.AddMinutes(1).AddSeconds(3)), await probe.NextRunAsync());
    }

    [Fact]
    public async Task Every_runs_on_each_interval()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(10), probe.Record("tick"));

        for (int i = 1; i <= 3; i++)
        {
            probe.Time.Advance(TimeSpan.FromSeconds(10));
            Assert.Equal(("tick", T0.AddSeconds(10 * i)), await probe.NextRunAsync());
            await probe.SettledAsync();
            Assert.Equal(T0.AddSeconds(10 * (i + 1)), entry.NextRunAt);
        }

        Assert.Equal(3, entry.RunCount);
    }

    [Theory]
    [InlineData(IntervalMode.FixedRate, 25, 30)]
    [InlineData(IntervalMode.FixedDelay, null, 35)]
    public async Task After_a_slow_run_fixed_rate_catches_up_at_once_and_fixed_delay_waits_a_whole_interval(IntervalMode mode, int? catchUpAt, int nextAt)
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options);
        var gate = new Gate();
        int runs = 0;
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromSeconds(10), async ct =>
        {
            probe.Note("run");
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.PassAsync(ct); // the first run takes 15 s of fake time
            }
        }, mode);

        probe.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(("run", T0.AddSeconds(10)), await probe.NextRunAsync());
        await gate.Entered;
        probe.Time.Advance(TimeSpan.FromSeconds(15)); // the occurrence at 20 s passes while it runs
        gate.Open();

        if (catchUpAt is { } at)
        {
            // Fixed rate: the grid point at 20 s is late; the default RunOnce policy runs it now, then back on the grid.
            Assert.Equal(("run", T0.AddSeconds(at)), await probe.NextRunAsync());
            await probe.SettledAsync(2);
        }
        else
        {
            // Fixed delay: the next run is one interval after the slow one finished.
            await probe.SettledAsync();
            Assert.True(probe.RecordedNothingMore);
        }

        Assert.Equal(T0.AddSeconds(nextAt), entry.NextRunAt);
    }

    [Fact]
    public async Task Cron_runs_at_its_occurrences_in_its_zone_across_the_spring_forward_gap()
    {
        var probe = new SchedulerProbe();
        probe.Time.SetUtcNow(new DateTimeOffset(2025, 3, 29, 12, 0, 0, TimeSpan.Zero));
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.Cron("30 2 * * *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), probe.Record("nightly"));

        // 02:30 does not exist in Berlin on 30 March 2025: the run is at 03:00 CEST, 01:00 UTC.
        var gapRun = new DateTimeOffset(2025, 3, 30, 1, 0, 0, TimeSpan.Zero);
        Assert.Equal(gapRun, entry.NextRunAt);
        probe.Time.SetUtcNow(gapRun);
        Assert.Equal(("nightly", gapRun), await probe.NextRunAsync());
        await probe.SettledAsync();

        Assert.Equal(new DateTimeOffset(2025, 3, 31, 0, 30, 0, TimeSpan.Zero), entry.NextRunAt);
    }

    [Fact]
    public async Task Runs_due_at_the_same_moment_go_by_time_then_higher_priority_then_scheduling_order()
    {
        var probe = new SchedulerProbe();
        await using var scheduler = Scheduler.Create(probe.Options); // one run at a time, like Python's sched
        foreach ((string name, int priority) in new[] { ("low", 1), ("urgent-a", 5), ("mid", 3), ("urgent-b", 5), ("lowest", 0) })
        {
            scheduler.At(T0.AddSeconds(10), probe.Record(name), new EntryOptions { Priority = priority });
        }

        scheduler.At(T0.AddSeconds(9), probe.Record("earlier"), new EntryOptions { Priority = -100 });

        probe.Time.Advance(TimeSpan.FromSeconds(10)); // all six are due when the scheduler wakes

        List<(string Name, DateTimeOffset At)> runs = await probe.RunsAsync(6);
        Assert.Equal(["earlier", "urgent-a", "urgent-b", "mid", "low", "lowest"], runs.Select(r => r.Name));
    }

    [Fact]
    public async Task A_pool_target_runs_on_the_pool_at_the_entrys_priority()
    {
        var probe = new SchedulerProbe();
        await using var pool = WorkerPool.Create(new WorkerPoolOptions { MaxConcurrency = 1, AgingRate = 0 });
        await using var scheduler = Scheduler.Create(probe.Options with { MaxConcurrency = 4 });
        var gate = new Gate();
        Task<int> blocker = await pool.SubmitAsync(ct => gate.PassAsync(ct));
        await gate.Entered;

        // The low-priority run is due first and reaches the pool first; both wait behind the blocker.
        Assert.False(pool.HasQueuedWork);
        ScheduledEntry low = scheduler.At(T0.AddSeconds(1), probe.Record("low"), new EntryOptions { Priority = 1, Pool = pool });
        ScheduledEntry high = scheduler.At(T0.AddSeconds(2), probe.Record("high"), new EntryOptions { Priority = 9, Pool = pool });
        probe.Time.Advance(TimeSpan.FromSeconds(1));
        probe.Time.Advance(TimeSpan.FromSeconds(1)); // a pool entry's call is queued before Advance returns

        // The pool then takes the higher priority first.
        Assert.True(pool.HasQueuedWork);
        gate.Open();
        List<(string Name, DateTimeOffset At)> runs = await probe.RunsAsync(2);
        Assert.Equal(["high", "low"], runs.Select(r => r.Name));
        await Task.WhenAll(low.Completion, high.Completion).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_fixed_delay_entry_whose_next_run_falls_after_the_end_of_time_completes_after_its_last_run()
    {
        var probe = new SchedulerProbe();
        probe.Time.SetUtcNow(DateTimeOffset.MaxValue.AddDays(-1));
        await using var scheduler = Scheduler.Create(probe.Options);
        ScheduledEntry entry = scheduler.Every(TimeSpan.FromHours(20), probe.Record("last"), IntervalMode.FixedDelay);

        probe.Time.Advance(TimeSpan.FromHours(20));

        await probe.NextRunAsync();
        await entry.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, entry.RunCount);
        Assert.Null(entry.NextRunAt);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_schedule_that_throws_while_planning_finishes_its_entry_and_is_reported(int throwOnCall)
    {
        // Call 1 of NextAfter is the plan made when the entry is due; call 2, the plan counted from the run's finish.
        var probe = new SchedulerProbe();
        var reported = new TaskCompletionSource<OnRunFailedArguments>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var scheduler = Scheduler.Create(probe.Options with { OnRunFailed = args => reported.TrySetResult(args) });
        var schedule = new ThrowingSchedule(T0.AddSeconds(1), throwOnCall);
        ScheduledEntry entry = scheduler.Add(schedule, probe.Record("run"), new EntryOptions { MissedRuns = MissedRunPolicy.Skip });

        probe.Time.Advance(TimeSpan.FromSeconds(1));

        OnRunFailedArguments failure = await reported.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await entry.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(entry.NextRunAt);
        Assert.Equal(throwOnCall - 1, entry.RunCount);
        Assert.Same(entry, failure.Entry);
        Assert.IsType<ArithmeticException>(failure.Exception);
    }

    /// <summary>Due at one moment, then the next-occurrence math throws on its n-th call.</summary>
    private sealed class ThrowingSchedule(DateTimeOffset first, int throwOnCall) : Schedule
    {
        private int _calls;

        internal override bool CountsFromFinish => true;

        public override DateTimeOffset? NextAfter(DateTimeOffset from) =>
            Interlocked.Increment(ref _calls) == throwOnCall ? throw new ArithmeticException("broken schedule") : from.AddSeconds(1);

        internal override DateTimeOffset? First(DateTimeOffset scheduledAt) => first;

        internal override DateTimeOffset LatestBetween(DateTimeOffset from, DateTimeOffset to) => from;

        internal override long CountBetween(DateTimeOffset from, DateTimeOffset to, long cap) => 1;
    }
}
