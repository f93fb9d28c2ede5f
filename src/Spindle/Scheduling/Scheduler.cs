namespace Spindle.Scheduling;

/// <summary>
/// Runs delegates at a time, after a delay, every interval, or on a cron expression, on an injected
/// <see cref="System.TimeProvider"/>. Python's <c>sched</c> and Celery beat, in process: entries due at the
/// same moment run in priority order, missed runs follow a policy, a failing run never stops the scheduler.
/// </summary>
/// <example>
/// <code>
/// await using var scheduler = Scheduler.Create();
/// scheduler.After(TimeSpan.FromSeconds(5), ct => SayAsync("once", ct));
/// scheduler.Every(TimeSpan.FromMinutes(1), ct => PollAsync(ct), IntervalMode.FixedDelay);
/// scheduler.Cron("30 2 * * *", TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"), ct => BackupAsync(ct));
/// </code>
/// </example>
public abstract class Scheduler : IAsyncDisposable
{
    private protected Scheduler()
    {
    }

    /// <summary>Creates a scheduler; it wakes only when an entry is due.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range; the message names it.</exception>
    public static Scheduler Create(SchedulerOptions? options = null)
    {
        options ??= new SchedulerOptions();
        options.Validate();
        return new TimerScheduler(options);
    }

    /// <summary>The scheduler's clock, from its options.</summary>
    public abstract TimeProvider TimeProvider { get; }

    /// <summary>Adds an entry that runs <paramref name="target"/> on <paramref name="schedule"/>.</summary>
    /// <param name="schedule">When it runs.</param>
    /// <param name="target">The run; its token is signalled when the entry is cancelled (or the scheduler disposed, with <see cref="SchedulerOptions.CancelRunningOnDispose"/>).</param>
    /// <param name="options">Name, priority, missed-run policy, jitter, and a pool to run on.</param>
    /// <exception cref="ObjectDisposedException">The scheduler has been disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An entry option is out of its range; the message names it.</exception>
    public abstract ScheduledEntry Add(Schedule schedule, Func<CancellationToken, ValueTask> target, EntryOptions? options = null);

    /// <summary>Runs <paramref name="target"/> once at <paramref name="when"/> (Python's <c>sched.enterabs</c>).</summary>
    /// <inheritdoc cref="Add" path="/exception"/>
    public ScheduledEntry At(DateTimeOffset when, Func<CancellationToken, ValueTask> target, EntryOptions? options = null) =>
        Add(Schedule.At(when), target, options);

    /// <summary>Runs <paramref name="target"/> once, <paramref name="delay"/> from now (Python's <c>sched.enter</c>).</summary>
    /// <inheritdoc cref="Add" path="/exception"/>
    public ScheduledEntry After(TimeSpan delay, Func<CancellationToken, ValueTask> target, EntryOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        return Add(Schedule.At(TimeProvider.GetUtcNow() + delay), target, options);
    }

    /// <summary>Runs <paramref name="target"/> every <paramref name="interval"/>, the first time one interval from now.</summary>
    /// <inheritdoc cref="Add" path="/exception"/>
    public ScheduledEntry Every(TimeSpan interval, Func<CancellationToken, ValueTask> target, IntervalMode mode = IntervalMode.FixedRate, EntryOptions? options = null) =>
        Add(Schedule.Every(interval, TimeProvider.GetUtcNow() + interval, mode), target, options);

    /// <summary>Runs <paramref name="target"/> on a cron expression in <paramref name="zone"/> (Celery beat's <c>crontab</c>).</summary>
    /// <exception cref="FormatException">The expression is not valid cron.</exception>
    /// <inheritdoc cref="Add" path="/exception"/>
    public ScheduledEntry Cron(string expression, TimeZoneInfo zone, Func<CancellationToken, ValueTask> target, EntryOptions? options = null) =>
        Add(Schedule.Cron(expression, zone), target, options);

    /// <summary>
    /// Shuts the scheduler down: timers stop, no new runs start, pending entries complete; waits for runs in
    /// progress to return. Safe to call more than once. Called from one of this scheduler's targets, it waits
    /// for every other run in progress but not for the caller's own run, which finishes after it returns.
    /// An exception from a run's token callback (<see cref="SchedulerOptions.CancelRunningOnDispose"/>) comes
    /// back through the returned task, of this call and of later ones, once the runs have returned.
    /// </summary>
    public abstract ValueTask DisposeAsync();
}
