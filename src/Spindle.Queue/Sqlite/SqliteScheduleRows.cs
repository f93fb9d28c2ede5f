using Microsoft.Data.Sqlite;
using static Spindle.Queue.Sqlite.SqliteCommands;

namespace Spindle.Queue.Sqlite;

/// <summary>Reads rows of <c>schedules</c> (<c>SELECT *</c> or <c>RETURNING *</c>) by column name.</summary>
internal static class SqliteScheduleRows
{
    internal static List<JobScheduleInfo> ReadAll(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        var schedules = new List<JobScheduleInfo>();
        while (reader.Read())
        {
            long? timeout = reader.IsDBNull(reader.GetOrdinal("timeout_ms")) ? null : reader.GetInt64(reader.GetOrdinal("timeout_ms"));
            long? lastJob = reader.IsDBNull(reader.GetOrdinal("last_job_id")) ? null : reader.GetInt64(reader.GetOrdinal("last_job_id"));
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
                Timeout = timeout is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                Backoff = new RetryBackoff
                {
                    Initial = TimeSpan.FromMilliseconds(reader.GetInt64(reader.GetOrdinal("backoff_initial_ms"))),
                    Maximum = TimeSpan.FromMilliseconds(reader.GetInt64(reader.GetOrdinal("backoff_max_ms"))),
                    Jitter = reader.GetDouble(reader.GetOrdinal("backoff_jitter")),
                },
                NextRunAt = TimeOrNull(reader, reader.GetOrdinal("next_run_at")),
                LastRunAt = TimeOrNull(reader, reader.GetOrdinal("last_run_at")),
                LastJobId = lastJob,
                CreatedAt = Time(reader.GetInt64(reader.GetOrdinal("created_at"))),
                UpdatedAt = Time(reader.GetInt64(reader.GetOrdinal("updated_at"))),
            });
        }

        return schedules;
    }
}
