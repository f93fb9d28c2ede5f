namespace Spindle.Scheduling;

/// <summary>
/// Applies a <see cref="MissedRunPolicy"/>: given an entry's due occurrence and the time it is reached, what
/// runs and what comes next. Pure: the same arguments always give the same plan.
/// </summary>
internal static class CatchUpPlanner
{
    /// <summary>Counting missed occurrences stops here: a per-second cron after a month's pause is "many".</summary>
    internal const long CountCap = 1_000_000;

    /// <param name="schedule">The entry's schedule.</param>
    /// <param name="due">The occurrence that is due (at or before <paramref name="now"/>).</param>
    /// <param name="now">When the entry gets its turn, less its jitter for this occurrence (the jitter is not lateness).</param>
    /// <param name="policy">The entry's policy.</param>
    /// <param name="slack">How late an occurrence may be and still count as on time: the scheduler's tolerance.</param>
    internal static RunPlan Plan(Schedule schedule, DateTimeOffset due, DateTimeOffset now, MissedRunPolicy policy, TimeSpan slack)
    {
        bool fromFinish = schedule.CountsFromFinish;
        switch (policy)
        {
            case MissedRunPolicy.RunAll:
                // Each occurrence gets its own run; the ones still in the past come straight back as due.
                return new RunPlan(true, fromFinish ? null : schedule.NextAfter(due), fromFinish, 0);

            case MissedRunPolicy.Skip:
                DateTimeOffset latest = schedule.LatestBetween(due, now);
                bool onTime = now - latest <= slack;
                long missed = schedule.CountBetween(due, now, CountCap) - (onTime ? 1 : 0);
                return new RunPlan(onTime, schedule.NextAfter(now), fromFinish && onTime, missed);

            default:
                // RunOnce: one run stands for every occurrence up to now.
                long folded = schedule.CountBetween(due, now, CountCap) - 1;
                return new RunPlan(true, fromFinish ? null : schedule.NextAfter(now), fromFinish, folded);
        }
    }
}
