using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>Recurring jobs: the schedules table and the compare-and-set that fires each moment once.</summary>
internal sealed partial class SqliteJobStore
{
    public Task<JobScheduleInfo> SchedulesSet(SchedulesSetParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            ScheduleDefinition schedule = parameters.Schedule;
            SqliteCommand upsert = transaction.Command("schedules_set")
                .Bind("@name", schedule.Name)
                .Bind("@cron", schedule.Cron)
                .Bind("@time_zone", schedule.TimeZone)
                .BindJob(schedule.Template)
                .Bind("@next_run_at", parameters.NextRunAt)
                .Bind("@now", parameters.Now);
            return SqliteJobRows.ReadSchedules(upsert)[0];
        }, cancellationToken);

    public Task<bool> SchedulesRemove(SchedulesRemoveParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
            transaction.Command("schedules_remove").Bind("@name", parameters.Name).ExecuteNonQuery() > 0, cancellationToken);

    public Task<IReadOnlyList<JobScheduleInfo>> SchedulesList(SchedulesListParams parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<JobScheduleInfo>>(_readers.Read(parameters, static (connection, _) =>
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = SqlScripts.Get("schedules_list");
            return SqliteJobRows.ReadSchedules(command);
        }));
    }

    public Task<IReadOnlyList<ScheduleFired>> SchedulesFire(SchedulesFireParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            var fired = new List<ScheduleFired>(parameters.Firings.Count);
            foreach (ScheduleFiring firing in parameters.Firings)
            {
                int moved = transaction.Command("schedules_advance")
                    .Bind("@name", firing.Name)
                    .Bind("@expected", firing.ExpectedNextRunAt)
                    .Bind("@expected_updated_at", firing.ExpectedUpdatedAt)
                    .Bind("@next_run_at", firing.NextRunAt)
                    .Bind("@occurrence", firing.Occurrence)
                    .ExecuteNonQuery();
                if (moved == 0)
                {
                    continue;
                }

                JobInserted job = InsertJob(transaction, firing.Job, parameters.Now)
                    ?? throw new InvalidOperationException($"The job of schedule '{firing.Name}' was neither inserted nor found by its unique key.");
                transaction.Command("schedules_last_job").Bind("@name", firing.Name).Bind("@job_id", job.Id).ExecuteNonQuery();
                fired.Add(new ScheduleFired(firing.Name, firing.Occurrence, job.Id));
            }

            return (IReadOnlyList<ScheduleFired>)fired;
        }, cancellationToken);
}
