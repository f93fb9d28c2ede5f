using System.Data.Common;

namespace Spindle.Queue.Storage;

/// <summary>
/// Reads the rows every store keeps (job statistics too), jobs (<c>SELECT *</c> or <c>RETURNING *</c> of the jobs table) and schedules,
/// by column name from any ADO.NET reader. The stores differ only in how a moment is stored (SQLite: Unix
/// milliseconds; PostgreSQL: timestamptz), which each passes in as <c>time</c>.
/// </summary>
internal static class StoredRows
{
    /// <summary>A reader of job rows for one result set: the column ordinals looked up once.</summary>
    internal static Func<DbDataReader, JobInfo> JobReader(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time) =>
        new JobColumns(reader, time).Job;

    /// <summary>One schedule row.</summary>
    internal static JobScheduleInfo Schedule(DbDataReader row, Func<DbDataReader, int, DateTimeOffset> time) => new()
    {
        Name = row.GetString(row.GetOrdinal("name")),
        Cron = row.GetString(row.GetOrdinal("cron")),
        TimeZone = row.GetString(row.GetOrdinal("time_zone")),
        Kind = row.GetString(row.GetOrdinal("kind")),
        Arguments = row.GetString(row.GetOrdinal("args")),
        Queue = row.GetString(row.GetOrdinal("queue")),
        Priority = row.GetInt32(row.GetOrdinal("priority")),
        MaxAttempts = row.GetInt32(row.GetOrdinal("max_attempts")),
        Timeout = Milliseconds(row, row.GetOrdinal("timeout_ms")),
        Backoff = Backoff(row, row.GetOrdinal("backoff_initial_ms"), row.GetOrdinal("backoff_max_ms"), row.GetOrdinal("backoff_jitter")),
        NextRunAt = TimeOrNull(row, row.GetOrdinal("next_run_at"), time),
        LastRunAt = TimeOrNull(row, row.GetOrdinal("last_run_at"), time),
        LastJobId = row.IsDBNull(row.GetOrdinal("last_job_id")) ? null : row.GetInt64(row.GetOrdinal("last_job_id")),
        CreatedAt = time(row, row.GetOrdinal("created_at")),
        UpdatedAt = time(row, row.GetOrdinal("updated_at")),
    };

    /// <summary>Per-queue statistics from the (queue, state, count) rows a store's stats query returns, by queue name.</summary>
    internal static IReadOnlyList<QueueStats> Stats(List<(string Queue, JobState State, long Count)> counts) =>
        counts.GroupBy(c => c.Queue, StringComparer.Ordinal)
            .Select(g =>
            {
                long Of(JobState state) => g.Where(c => c.State == state).Sum(c => c.Count);
                return new QueueStats
                {
                    Queue = g.Key,
                    Scheduled = Of(JobState.Scheduled),
                    Available = Of(JobState.Available),
                    Running = Of(JobState.Running),
                    Retrying = Of(JobState.Retrying),
                    Succeeded = Of(JobState.Succeeded),
                    Dead = Of(JobState.Dead),
                    Cancelled = Of(JobState.Cancelled),
                };
            })
            .OrderBy(s => s.Queue, StringComparer.Ordinal)
            .ToList();

    private static string? StringOrNull(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);

    private static DateTimeOffset? TimeOrNull(DbDataReader row, int ordinal, Func<DbDataReader, int, DateTimeOffset> time) =>
        row.IsDBNull(ordinal) ? null : time(row, ordinal);

    private static TimeSpan? Milliseconds(DbDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? null : TimeSpan.FromMilliseconds(row.GetInt64(ordinal));

    private static RetryBackoff Backoff(DbDataReader row, int initial, int maximum, int jitter) => new()
    {
        Initial = TimeSpan.FromMilliseconds(row.GetInt64(initial)),
        Maximum = TimeSpan.FromMilliseconds(row.GetInt64(maximum)),
        Jitter = row.GetDouble(jitter),
    };

    private sealed class JobColumns(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time)
    {
        private readonly int _id = reader.GetOrdinal("id");
        private readonly int _kind = reader.GetOrdinal("kind");
        private readonly int _queue = reader.GetOrdinal("queue");
        private readonly int _state = reader.GetOrdinal("state");
        private readonly int _priority = reader.GetOrdinal("priority");
        private readonly int _args = reader.GetOrdinal("args");
        private readonly int _result = reader.GetOrdinal("result");
        private readonly int _error = reader.GetOrdinal("error");
        private readonly int _attempt = reader.GetOrdinal("attempt");
        private readonly int _maxAttempts = reader.GetOrdinal("max_attempts");
        private readonly int _timeout = reader.GetOrdinal("timeout_ms");
        private readonly int _backoffInitial = reader.GetOrdinal("backoff_initial_ms");
        private readonly int _backoffMax = reader.GetOrdinal("backoff_max_ms");
        private readonly int _backoffJitter = reader.GetOrdinal("backoff_jitter");
        private readonly int _uniqueKey = reader.GetOrdinal("unique_key");
        private readonly int _createdAt = reader.GetOrdinal("created_at");
        private readonly int _runAt = reader.GetOrdinal("run_at");
        private readonly int _expiresAt = reader.GetOrdinal("expires_at");
        private readonly int _attemptedAt = reader.GetOrdinal("attempted_at");
        private readonly int _attemptedBy = reader.GetOrdinal("attempted_by");
        private readonly int _leaseExpiresAt = reader.GetOrdinal("lease_expires_at");
        private readonly int _cancelRequestedAt = reader.GetOrdinal("cancel_requested_at");
        private readonly int _finishedAt = reader.GetOrdinal("finished_at");

        internal JobInfo Job(DbDataReader row)
        {
            string kind = row.GetString(_kind);
            return new JobInfo
            {
                Id = row.GetInt64(_id),
                Kind = kind,
                Queue = row.GetString(_queue),
                State = JobStateNames.Parse(row.GetString(_state)),
                Priority = row.GetInt32(_priority),
                Arguments = row.GetString(_args),
                Result = StringOrNull(row, _result),
                Error = FailureJson.Read(StringOrNull(row, _error), kind),
                Attempt = row.GetInt32(_attempt),
                MaxAttempts = row.GetInt32(_maxAttempts),
                Timeout = Milliseconds(row, _timeout),
                Backoff = Backoff(row, _backoffInitial, _backoffMax, _backoffJitter),
                UniqueKey = StringOrNull(row, _uniqueKey),
                CreatedAt = time(row, _createdAt),
                RunAt = time(row, _runAt),
                ExpiresAt = TimeOrNull(row, _expiresAt, time),
                AttemptedAt = TimeOrNull(row, _attemptedAt, time),
                AttemptedBy = StringOrNull(row, _attemptedBy),
                LeaseExpiresAt = TimeOrNull(row, _leaseExpiresAt, time),
                CancelRequestedAt = TimeOrNull(row, _cancelRequestedAt, time),
                FinishedAt = TimeOrNull(row, _finishedAt, time),
            };
        }
    }
}
