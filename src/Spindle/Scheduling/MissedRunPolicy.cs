namespace Spindle.Scheduling;

/// <summary>What an entry does with occurrences it missed: after a pause of the process, a suspended machine, or a slow run.</summary>
/// <remarks>An occurrence is missed when it is reached more than <see cref="SchedulerOptions.LateTolerance"/> after it was due.</remarks>
public enum MissedRunPolicy
{
    /// <summary>Runs once now for all of them, then continues from the next occurrence after now (Quartz's fire-once-now, Hangfire's recurring jobs).</summary>
    RunOnce,

    /// <summary>Drops them: runs only an occurrence reached within the tolerance, otherwise waits for the next one after now (cron's behaviour).</summary>
    Skip,

    /// <summary>Runs every one of them, one after another, as fast as it can, then continues on schedule (anacron-style catch-up).</summary>
    RunAll,
}
