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

    /// <summary>
    /// The ordinals of one result set's job columns, found in one pass over its column names: looking each up by
    /// name (<see cref="DbDataReader.GetOrdinal"/>) walks the columns again for every one, and Microsoft.Data.Sqlite
    /// fetches each name from SQLite as it goes, several hundred native calls per result set.
    /// </summary>
    private sealed class JobColumns
    {
        private readonly Func<DbDataReader, int, DateTimeOffset> _time;
        private readonly int _id;
        private readonly int _kind;
        private readonly int _queue;
        private readonly int _state;
        private readonly int _priority;
        private readonly int _args;
        private readonly int _result;
        private readonly int _error;
        private readonly int _attempt;
        private readonly int _maxAttempts;
        private readonly int _timeout;
        private readonly int _backoffInitial;
        private readonly int _backoffMax;
        private readonly int _backoffJitter;
        private readonly int _uniqueKey;
        private readonly int _createdAt;
        private readonly int _runAt;
        private readonly int _expiresAt;
        private readonly int _attemptedAt;
        private readonly int _attemptedBy;
        private readonly int _leaseExpiresAt;
        private readonly int _cancelRequestedAt;
        private readonly int _finishedAt;

        internal JobColumns(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> time)
        {
            _time = time;
            var ordinals = new Dictionary<string, int>(reader.FieldCount, StringComparer.Ordinal);
            for (int i = 0; i < reader.FieldCount; i++)
            {
                ordinals.TryAdd(reader.GetName(i), i);
            }

            // A name not found as written goes to the reader's own lookup, which matches it as it does or says it is missing.
            int Of(string name) => ordinals.TryGetValue(name, out int ordinal) ? ordinal : reader.GetOrdinal(name);
            _id = Of("id");
            _kind = Of("kind");
            _queue = Of("queue");
            _state = Of("state");
            _priority = Of("priority");
            _args = Of("args");
            _result = Of("result");
            _error = Of("error");
            _attempt = Of("attempt");
            _maxAttempts = Of("max_attempts");
            _timeout = Of("timeout_ms");
            _backoffInitial = Of("backoff_initial_ms");
            _backoffMax = Of("backoff_max_ms");
            _backoffJitter = Of("backoff_jitter");
            _uniqueKey = Of("unique_key");
            _createdAt = Of("created_at");
            _runAt = Of("run_at");
            _expiresAt = Of("expires_at");
            _attemptedAt = Of("attempted_at");
            _attemptedBy = Of("attempted_by");
            _leaseExpiresAt = Of("lease_expires_at");
            _cancelRequestedAt = Of("cancel_requested_at");
            _finishedAt = Of("finished_at");
        }

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
                CreatedAt = _time(row, _createdAt),
                RunAt = _time(row, _runAt),
                ExpiresAt = TimeOrNull(row, _expiresAt, _time),
                AttemptedAt = TimeOrNull(row, _attemptedAt, _time),
                AttemptedBy = StringOrNull(row, _attemptedBy),
                LeaseExpiresAt = TimeOrNull(row, _leaseExpiresAt, _time),
                CancelRequestedAt = TimeOrNull(row, _cancelRequestedAt, _time),
                FinishedAt = TimeOrNull(row, _finishedAt, _time),
            };
        }
    }
}
