using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>Recurring jobs: the schedules table and the compare-and-set that fires each moment once.</summary>
internal sealed partial class PostgresJobStore
{
    public async Task<JobScheduleInfo> SchedulesSet(SchedulesSetParams parameters, CancellationToken cancellationToken)
    {
        ScheduleDefinition schedule = parameters.Schedule;
        JobInsert job = schedule.Template;
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand upsert = connection.Command("schedules_set")
            .Bind("name", schedule.Name)
            .Bind("cron", schedule.Cron)
            .Bind("time_zone", schedule.TimeZone)
            .Bind("kind", job.Kind)
            .Bind("queue", job.Queue)
            .Bind("priority", job.Priority)
            .Bind("args", job.Arguments)
            .Bind("max_attempts", job.MaxAttempts)
            .BindNullable("timeout_ms", PostgresCommands.Milliseconds(job.Timeout))
            .Bind("backoff_initial_ms", (long)job.Backoff.Initial.TotalMilliseconds)
            .Bind("backoff_max_ms", (long)job.Backoff.Maximum.TotalMilliseconds)
            .Bind("backoff_jitter", job.Backoff.Jitter)
            .BindNullable("next_run_at", parameters.NextRunAt?.ToUniversalTime())
            .Bind("now", parameters.Now);
        return (await PostgresJobRows.ReadSchedulesAsync(upsert, cancellationToken).ConfigureAwait(false))[0];
    }

    public async Task<bool> SchedulesRemove(SchedulesRemoveParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand remove = connection.Command("schedules_remove").Bind("name", parameters.Name);
        return await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<JobScheduleInfo>> SchedulesList(SchedulesListParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand list = connection.Command("schedules_list");
        return await PostgresJobRows.ReadSchedulesAsync(list, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ScheduleFired>> SchedulesFire(SchedulesFireParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var fired = new List<ScheduleFired>(parameters.Firings.Count);
        var ready = new HashSet<string>(StringComparer.Ordinal);
        foreach (ScheduleFiring firing in parameters.Firings)
        {
            using (NpgsqlCommand advance = connection.Command("schedules_advance", transaction)
                .Bind("name", firing.Name)
                .Bind("expected", firing.ExpectedNextRunAt)
                .Bind("expected_updated_at", firing.ExpectedUpdatedAt)
                .BindNullable("next_run_at", firing.NextRunAt?.ToUniversalTime())
                .Bind("occurrence", firing.Occurrence))
            {
                if (await advance.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    continue;
                }
            }

            long[] ids = await ReserveIdsAsync(connection, transaction, 1, cancellationToken).ConfigureAwait(false);
            JobInserted job = (await InsertArraysAsync(connection, transaction, ids, new JobsInsertParams([firing.Job], parameters.Now), cancellationToken).ConfigureAwait(false))[0];
            using (NpgsqlCommand last = connection.Command("schedules_last_job", transaction).Bind("name", firing.Name).Bind("job_id", job.Id))
            {
                await last.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (job.Created && job.State == JobState.Available)
            {
                ready.Add(job.Queue);
            }

            fired.Add(new ScheduleFired(firing.Name, firing.Occurrence, job.Id));
        }

        if (ready.Count > 0)
        {
            using NpgsqlCommand notify = connection.Command("jobs_notify", transaction).Bind("channel", _channel).Bind("queues", ready.ToArray());
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return fired;
    }

    /// <summary>PostgreSQL keeps its write-ahead log itself (checkpoints, autovacuum): nothing for a worker to do.</summary>
    public Task<StoreCheckpointed?> StoreCheckpoint(StoreCheckpointParams parameters, CancellationToken cancellationToken) =>
        Task.FromResult<StoreCheckpointed?>(null);
}
