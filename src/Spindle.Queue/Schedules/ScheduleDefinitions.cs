using Spindle.Queue.Storage;
using Spindle.Scheduling;

namespace Spindle.Queue;

/// <summary>Turns a <see cref="JobSchedule"/> into a validated <see cref="ScheduleDefinition"/>, and a stored schedule back into the moments it fires on.</summary>
internal static class ScheduleDefinitions
{
    internal const int MaxNameLength = 200;

    /// <summary>
    /// Validates a schedule (name, cron, zone and the job's options, each error naming what is wrong), applies the
    /// queue's defaults, and gives what the store sets: the definition and its first moment after <paramref name="now"/>.
    /// </summary>
    internal static SchedulesSetParams Build(JobSchedule schedule, JobQueueOptions defaults, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        string name = ValidName(schedule.Name);
        ArgumentNullException.ThrowIfNull(schedule.TimeZone, nameof(JobSchedule.TimeZone));
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(schedule.TimeZone.Id, out _))
        {
            // Workers find the zone again by its id: a custom zone, or one whose id this system cannot look up, would never fire.
            throw new ArgumentException($"Schedule '{name}' is in time zone '{schedule.TimeZone.Id}', which cannot be found again by its id; use a system zone, such as TimeZoneInfo.FindSystemTimeZoneById(\"Europe/Berlin\"), or UTC.", nameof(JobSchedule.TimeZone));
        }

        string cron = schedule.Cron?.Trim() ?? "";
        Schedule moments = Moments(name, cron, schedule.TimeZone);
        var options = new EnqueueOptions
        {
            Queue = schedule.Queue,
            Priority = schedule.Priority,
            MaxAttempts = schedule.MaxAttempts,
            Backoff = schedule.Backoff,
            Timeout = schedule.Timeout,
        };
        JobInsert template;
        try
        {
            template = JobInserts.Build(schedule.Kind, schedule.Arguments, argumentsAreJson: false, options, defaults, now);
        }
        catch (ArgumentException e)
        {
            // The job's options are the schedule's own properties: name them so.
            throw new ArgumentException($"Schedule '{name}': {e.Message.Replace("EnqueueOptions.", "JobSchedule.", StringComparison.Ordinal)}", nameof(schedule), e);
        }

        return new SchedulesSetParams(new ScheduleDefinition(name, cron, schedule.TimeZone.Id, template), moments.NextAfter(now), now);
    }

    /// <summary>The cron moments of a schedule; a bad expression or an unknown zone is an <see cref="ArgumentException"/> naming the schedule.</summary>
    internal static Schedule Moments(string name, string cron, TimeZoneInfo zone)
    {
        if (cron.Length is 0 or > 200)
        {
            throw new ArgumentException($"Schedule '{name}' needs a cron expression of 1 to 200 characters, such as \"*/5 * * * *\" (every five minutes).", nameof(JobSchedule.Cron));
        }

        try
        {
            return Schedule.Cron(cron, zone);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"Schedule '{name}' has an invalid cron expression '{cron}': {e.Message} Use five fields (minute hour day month weekday), six with seconds first, or a macro such as @daily.", nameof(JobSchedule.Cron), e);
        }
    }

    /// <summary>The moments of a stored schedule, or <see langword="null"/> (logged by the caller) when its zone is not known on this machine.</summary>
    internal static Schedule? StoredMoments(JobScheduleInfo schedule) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(schedule.TimeZone, out TimeZoneInfo? zone) ? Moments(schedule.Name, schedule.Cron, zone) : null;

    /// <summary>The unique key of the job a schedule enqueues for one moment: a second firing of the moment finds it.</summary>
    internal static string JobKey(string name, DateTimeOffset occurrence) => $"schedule:{name}:{occurrence.ToUnixTimeMilliseconds()}";

    internal static string ValidName(string? name)
    {
        if (name is null || name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':'))
        {
            throw new ArgumentException($"'{name}' is not a valid schedule name: use 1 to {MaxNameLength} ASCII letters, digits, '.', '-', '_' and ':', such as \"reports.nightly\".", nameof(JobSchedule.Name));
        }

        return name;
    }
}
