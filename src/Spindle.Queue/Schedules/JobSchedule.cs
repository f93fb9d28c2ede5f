using System.Text;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// A recurring job (Celery beat's <c>beat_schedule</c> entry, Hangfire's <c>RecurringJob</c>): on every moment of a cron
/// expression, one job of <see cref="Kind"/> with <see cref="Arguments"/> is enqueued. Stored in the job store by
/// <see cref="JobQueue.SetScheduleAsync"/>, so every worker sees it and exactly one job is enqueued for each moment,
/// however many workers run.
/// </summary>
/// <param name="Name">The schedule's name, its identity: setting a schedule of the same name replaces it. 1 to 200 ASCII letters, digits, <c>.</c>, <c>-</c>, <c>_</c> and <c>:</c>.</param>
/// <param name="Cron">Five fields (minute hour day month weekday), or six with seconds first; macros such as <c>@daily</c>.</param>
/// <param name="Kind">The task kind each job runs.</param>
/// <param name="Arguments">The arguments of each job, as JSON.</param>
/// <example>
/// <code>
/// await queue.SetScheduleAsync(new JobSchedule("reports.nightly", "30 2 * * *", "reports.build", """{"days":1}""")
/// {
///     TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"),
///     Queue = "reports",
/// });
/// </code>
/// </example>
public sealed record JobSchedule(string Name, string Cron, string Kind, string Arguments)
{
    /// <summary>The zone the cron expression is read in (daylight saving as in docs/scheduler.md).</summary>
    /// <value>Default UTC.</value>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The queue each job goes to.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultQueue"/>.</value>
    public string? Queue { get; init; }

    /// <summary>Each job's priority.</summary>
    /// <value>Default 0.</value>
    public int Priority { get; init; }

    /// <summary>Each job's attempts before it is dead.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultMaxAttempts"/>.</value>
    public int? MaxAttempts { get; init; }

    /// <summary>Each job's wait between attempts.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultBackoff"/>.</value>
    public RetryBackoff? Backoff { get; init; }

    /// <summary>How long one attempt may run.</summary>
    /// <value>Default <see langword="null"/>: <see cref="JobQueueOptions.DefaultTimeout"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>A schedule whose jobs run a typed kind, the arguments serialized with the kind's codec.</summary>
    /// <param name="name">The schedule's name.</param>
    /// <param name="cron">The cron expression.</param>
    /// <param name="kind">The typed kind.</param>
    /// <param name="arguments">The arguments of each job.</param>
    public static JobSchedule For<TArgs, TResult>(string name, string cron, TaskKind<TArgs, TResult> kind, TArgs arguments)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return new JobSchedule(name, cron, kind.Name, Encoding.UTF8.GetString(kind.SerializeArguments(arguments)));
    }
}
