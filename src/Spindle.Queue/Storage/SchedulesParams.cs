namespace Spindle.Queue.Storage;

/// <summary>A validated schedule to store: its cron moments in a zone, and the job each moment enqueues.</summary>
/// <param name="Name">The schedule's name (its key).</param>
/// <param name="Cron">The cron expression, already parsed once to check it.</param>
/// <param name="TimeZone">The zone's id.</param>
/// <param name="Template">The job each moment enqueues, every default applied; its run-at, expiry and unique key are set when it fires.</param>
internal sealed record ScheduleDefinition(string Name, string Cron, string TimeZone, JobInsert Template);

/// <summary>Parameters of <see cref="IJobStore.SchedulesSet"/>.</summary>
/// <param name="Schedule">The schedule.</param>
/// <param name="NextRunAt">Its first moment after now: stored when the schedule is new or its cron or zone changed; otherwise the stored next moment is kept, so setting a schedule again never fires it twice or skips a moment.</param>
/// <param name="Now">The time of the change.</param>
internal sealed record SchedulesSetParams(ScheduleDefinition Schedule, DateTimeOffset? NextRunAt, DateTimeOffset Now);

/// <summary>Parameters of <see cref="IJobStore.SchedulesRemove"/>.</summary>
internal sealed record SchedulesRemoveParams(string Name);

/// <summary>Parameters of <see cref="IJobStore.SchedulesList"/>: every schedule, by name.</summary>
internal sealed record SchedulesListParams;

/// <summary>Parameters of <see cref="IJobStore.SchedulesFire"/>.</summary>
/// <param name="Firings">The due schedules to fire, each with the next moment it expects the store to hold.</param>
/// <param name="Now">The enqueue time of the jobs.</param>
internal sealed record SchedulesFireParams(IReadOnlyList<ScheduleFiring> Firings, DateTimeOffset Now);

/// <summary>
/// One schedule to fire: if its stored next moment is still <paramref name="ExpectedNextRunAt"/> and it was last set at
/// <paramref name="ExpectedUpdatedAt"/>, it moves to <paramref name="NextRunAt"/> and <paramref name="Job"/> is inserted,
/// in one transaction; otherwise another worker fired it first, or it was set again since it was read (the job would be
/// the old one), and nothing happens. That compare-and-set is what keeps a moment from firing twice.
/// </summary>
/// <param name="Name">The schedule's name.</param>
/// <param name="ExpectedNextRunAt">The next moment as read.</param>
/// <param name="ExpectedUpdatedAt">When the schedule was last set, as read.</param>
/// <param name="Occurrence">The moment fired for (the latest due one: missed moments fire once).</param>
/// <param name="NextRunAt">The first moment after now, or <see langword="null"/> when there is none.</param>
/// <param name="Job">The job to insert, with a unique key naming the schedule and the moment.</param>
internal sealed record ScheduleFiring(string Name, DateTimeOffset ExpectedNextRunAt, DateTimeOffset ExpectedUpdatedAt, DateTimeOffset Occurrence, DateTimeOffset? NextRunAt, JobInsert Job);

/// <summary>A schedule that fired: the moment and the job enqueued for it.</summary>
internal readonly record struct ScheduleFired(string Name, DateTimeOffset Occurrence, long JobId);
