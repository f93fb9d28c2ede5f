namespace Spindle.Scheduling;

/// <summary>What <see cref="SchedulerOptions.OnRunFailed"/> is told about a run that threw.</summary>
public readonly struct OnRunFailedArguments
{
    internal OnRunFailedArguments(ScheduledEntry entry, Exception exception, DateTimeOffset dueAt)
    {
        Entry = entry;
        Exception = exception;
        DueAt = dueAt;
    }

    /// <summary>The entry whose run failed; it stays scheduled.</summary>
    public ScheduledEntry Entry { get; }

    /// <summary>What the target threw.</summary>
    public Exception Exception { get; }

    /// <summary>The occurrence the failed run was for.</summary>
    public DateTimeOffset DueAt { get; }
}
