using Npgsql;
using static Spindle.Queue.Postgres.PostgresCommands;

namespace Spindle.Queue.Postgres;

/// <summary>Reads rows of <c>spindle_schedules</c> (<c>SELECT *</c> or <c>RETURNING *</c>) by column name.</summary>
internal static class PostgresScheduleRows
{
    internal static async Task<List<JobScheduleInfo>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var schedules = new List<JobScheduleInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            int timeout = reader.GetOrdinal("timeout_ms");
            int lastJob = reader.GetOrdinal("last_job_id");
            schedules.Add(new JobScheduleInfo
            {
                Name = reader.GetString(reader.GetOrdinal("name")),
                Cron = reader.GetString(reader.GetOrdinal("cron")),
                TimeZone = reader.GetString(reader.GetOrdinal("time_zone")),
                Kind = reader.GetString(reader.GetOrdinal("kind")),
                Arguments = reader.GetString(reader.GetOrdinal("args")),
                Queue = reader.GetString(reader.GetOrdinal("queue")),
                Priority = reader.GetInt32(reader.GetOrdinal("priority")),
                MaxAttempts = reader.GetInt32(reader.GetOrdinal("max_attempts")),
                Timeout = reader.IsDBNull(timeout) ? null : TimeSpan.FromMilliseconds(reader.GetInt64(timeout)),
                Backoff = new RetryBackoff
                {
                    Initial = TimeSpan.FromMilliseconds(reader.GetInt64(reader.GetOrdinal("backoff_initial_ms"))),
                    Maximum = TimeSpan.FromMilliseconds(reader.GetInt64(reader.GetOrdinal("backoff_max_ms"))),
                    Jitter = reader.GetDouble(reader.GetOrdinal("backoff_jitter")),
                },
                NextRunAt = TimeOrNull(reader, reader.GetOrdinal("next_run_at")),
                LastRunAt = TimeOrNull(reader, reader.GetOrdinal("last_run_at")),
                LastJobId = reader.IsDBNull(lastJob) ? null : reader.GetInt64(lastJob),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("updated_at")),
            });
        }

        return schedules;
    }
}
