using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Spindle.Queue;

namespace Spindle.Cli.Queue;

/// <summary><c>spindle schedule set|list|remove</c>: recurring jobs, Celery beat's schedule kept in the job store.</summary>
internal sealed partial class QueueCommands
{
    private Command CreateSchedule() => new("schedule", "Recurring jobs: one job for each moment of a cron expression, fired by the workers.")
    {
        CreateScheduleSet(), CreateScheduleList(), CreateScheduleRemove(),
    };

    private Command CreateScheduleSet()
    {
        var name = new Argument<string>("name") { Description = "The schedule's name, such as reports.nightly; setting it again replaces it." };
        var cron = new Argument<string>("cron") { Description = "Five fields (minute hour day month weekday), six with seconds first, or @hourly/@daily/...; quote it." };
        var kind = new Argument<string>("kind") { Description = "The task kind each job runs." };
        var args = new Option<string>("--args") { Description = "Each job's arguments as JSON (default: null)." };
        var zone = new Option<string>("--zone") { Description = "The time zone the cron expression is read in, such as Europe/Berlin (default: UTC)." };
        var queue = new Option<string>("--queue") { Description = "The queue each job goes to (default: default)." };
        var priority = new Option<int>("--priority") { Description = "Each job's priority (default: 0)." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Each job's attempts before it is dead." };
        var timeout = new Option<string>("--timeout") { Description = "The limit of one attempt, such as 30s." };
        var store = StoreOption();
        var jsonOption = JsonOption("Print the stored schedule as JSON.");
        var command = new Command("set", "Add or replace a recurring job; prints when it next runs.")
        {
            name, cron, kind, args, zone, queue, priority, maxAttempts, timeout, store, jsonOption,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            string arguments = result.GetValue(args) ?? "null";
            QueueCliText.CheckJson(arguments, "--args");
            TimeZoneInfo timeZone = TimeZoneInfo.Utc;
            if (result.GetValue(zone) is { } zoneId && !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out timeZone!))
            {
                throw new QueueCliException(ExitCodes.Refused, $"--zone '{zoneId}' is not a time zone this machine knows; use an IANA name such as Europe/Berlin, or UTC.");
            }

            var schedule = new JobSchedule(result.GetValue(name)!, result.GetValue(cron)!, result.GetValue(kind)!, arguments)
            {
                TimeZone = timeZone,
                Queue = result.GetValue(queue),
                Priority = result.GetValue(priority),
                MaxAttempts = result.GetValue(maxAttempts),
                Timeout = result.GetValue(timeout) is { } t ? QueueCliText.ParseDuration(t, "--timeout") : null,
            };
            JobScheduleInfo stored = await jobs.SetScheduleAsync(schedule, cancellationToken);
            if (result.GetValue(jsonOption))
            {
                await json.WriteLineAsync(QueueCliText.ToJson(stored));
            }
            else
            {
                console.WriteLine($"Schedule {stored.Name}: {stored.Kind} on '{stored.Cron}' ({stored.TimeZone}), next at {Moment(stored.NextRunAt)}.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command CreateScheduleList()
    {
        var store = StoreOption();
        var jsonOption = JsonOption("Print one JSON object per schedule, one a line, instead of a table.");
        var command = new Command("list", "List the recurring jobs.") { store, jsonOption };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            IReadOnlyList<JobScheduleInfo> schedules = await jobs.ListSchedulesAsync(cancellationToken);
            if (result.GetValue(jsonOption))
            {
                foreach (JobScheduleInfo schedule in schedules)
                {
                    await json.WriteLineAsync(QueueCliText.ToJson(schedule));
                }

                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("name", "cron", "zone", "kind", "queue", "next run", "last run", "last job");
            foreach (JobScheduleInfo schedule in schedules)
            {
                table.AddRow(
                    Markup.Escape(schedule.Name), Markup.Escape(schedule.Cron), Markup.Escape(schedule.TimeZone), Markup.Escape(schedule.Kind),
                    Markup.Escape(schedule.Queue), Moment(schedule.NextRunAt), Moment(schedule.LastRunAt),
                    schedule.LastJobId?.ToString(CultureInfo.InvariantCulture) ?? "");
            }

            console.Write(table);
            console.WriteLine($"{schedules.Count} schedule(s)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command CreateScheduleRemove()
    {
        var name = new Argument<string>("name") { Description = "The schedule to remove; jobs it already enqueued stay." };
        var store = StoreOption();
        var command = new Command("remove", "Remove a recurring job.") { name, store };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(store), async jobs =>
        {
            string scheduleName = result.GetValue(name)!;
            return await jobs.RemoveScheduleAsync(scheduleName, cancellationToken)
                ? Say($"Schedule {scheduleName} removed.")
                : throw new QueueCliException(ExitCodes.NotFound, $"No schedule {scheduleName}.");
        }));
        return command;
    }

    private static string Moment(DateTimeOffset? moment) => moment?.ToString("u", CultureInfo.InvariantCulture) ?? "-";
}
