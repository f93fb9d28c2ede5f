namespace Spindle.Scheduling;

/// <summary>How an interval entry counts its interval (Java's <c>scheduleAtFixedRate</c> and <c>scheduleWithFixedDelay</c>).</summary>
public enum IntervalMode
{
    /// <summary>Runs on the grid <c>start + k × interval</c>; a slow run makes later occurrences late, and the entry's <see cref="MissedRunPolicy"/> decides.</summary>
    FixedRate,

    /// <summary>Waits the interval after each run finishes, so runs never pile up and the grid drifts by each run's duration.</summary>
    FixedDelay,
}
