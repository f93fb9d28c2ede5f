using Spindle.Scheduling;

namespace Spindle.Tests.Scheduling;

/// <summary>The missed-run policies as pure plans: an entry due at 1 minute, reached at 10 min 30 s.</summary>
public sealed class CatchUpPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly Schedule EveryMinute = Schedule.Every(TimeSpan.FromMinutes(1), T0.AddMinutes(1));
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset Due = T0.AddMinutes(1);
    private static readonly DateTimeOffset Late = T0.AddMinutes(10.5);

    [Fact]
    public void On_time_every_policy_runs_and_moves_to_the_next_occurrence()
    {
        foreach (MissedRunPolicy policy in Enum.GetValues<MissedRunPolicy>())
        {
            RunPlan plan = CatchUpPlanner.Plan(EveryMinute, Due, Due, policy, Tolerance);

            Assert.Equal(new RunPlan(true, T0.AddMinutes(2), false, 0), plan);
        }
    }

    [Fact]
    public void Run_once_folds_the_ten_missed_occurrences_into_one_run_and_continues_after_now()
    {
        RunPlan plan = CatchUpPlanner.Plan(EveryMinute, Due, Late, MissedRunPolicy.RunOnce, Tolerance);

        Assert.Equal(new RunPlan(true, T0.AddMinutes(11), false, 9), plan);
    }

    [Fact]
    public void Skip_drops_them_all_when_even_the_latest_is_late()
    {
        RunPlan plan = CatchUpPlanner.Plan(EveryMinute, Due, Late, MissedRunPolicy.Skip, Tolerance);

        Assert.Equal(new RunPlan(false, T0.AddMinutes(11), false, 10), plan);
    }

    [Fact]
    public void Skip_still_runs_the_latest_occurrence_when_it_is_reached_within_the_tolerance()
    {
        RunPlan plan = CatchUpPlanner.Plan(EveryMinute, Due, T0.AddMinutes(10).AddMilliseconds(500), MissedRunPolicy.Skip, Tolerance);

        Assert.Equal(new RunPlan(true, T0.AddMinutes(11), false, 9), plan);
    }

    [Fact]
    public void Run_all_runs_this_one_and_comes_back_for_the_next_missed_one()
    {
        RunPlan plan = CatchUpPlanner.Plan(EveryMinute, Due, Late, MissedRunPolicy.RunAll, Tolerance);

        Assert.Equal(new RunPlan(true, T0.AddMinutes(2), false, 0), plan);
    }

    [Fact]
    public void Fixed_delay_has_one_pending_occurrence_and_counts_from_the_finish()
    {
        Schedule delay = Schedule.Every(TimeSpan.FromMinutes(1), Due, IntervalMode.FixedDelay);

        Assert.Equal(new RunPlan(true, null, true, 0), CatchUpPlanner.Plan(delay, Due, Late, MissedRunPolicy.RunOnce, Tolerance));
        Assert.Equal(new RunPlan(false, Late.AddMinutes(1), false, 1), CatchUpPlanner.Plan(delay, Due, Late, MissedRunPolicy.Skip, Tolerance));
    }

    [Fact]
    public void A_one_shot_that_is_late_runs_under_run_once_and_is_dropped_under_skip()
    {
        Schedule once = Schedule.At(Due);

        Assert.Equal(new RunPlan(true, null, false, 0), CatchUpPlanner.Plan(once, Due, Late, MissedRunPolicy.RunOnce, Tolerance));
        Assert.Equal(new RunPlan(false, null, false, 1), CatchUpPlanner.Plan(once, Due, Late, MissedRunPolicy.Skip, Tolerance));
    }

    [Fact]
    public void Cron_counts_missed_occurrences_in_its_zone()
    {
        Schedule quarterHourly = Schedule.Cron("*/15 * * * *", TimeZoneInfo.Utc);

        RunPlan plan = CatchUpPlanner.Plan(quarterHourly, T0.AddMinutes(15), T0.AddHours(2).AddMinutes(5), MissedRunPolicy.Skip, Tolerance);

        // 00:15 to 02:00 is eight quarter hours, all late at 02:05.
        Assert.Equal(new RunPlan(false, T0.AddHours(2).AddMinutes(15), false, 8), plan);
    }
}
