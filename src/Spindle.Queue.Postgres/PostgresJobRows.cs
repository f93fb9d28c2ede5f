using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>Reads rows of <c>spindle_jobs</c> (<c>SELECT *</c> or <c>RETURNING *</c>) by column name.</summary>
internal static class PostgresJobRows
{
    internal static async Task<List<JobInfo>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var jobs = new List<JobInfo>();
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return jobs;
        }

        var columns = new Columns(reader);
        do
        {
            jobs.Add(columns.Job(reader));
        }
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false));
        return jobs;
    }

    private sealed class Columns(NpgsqlDataReader reader)
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

        internal JobInfo Job(NpgsqlDataReader row)
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
                Result = PostgresCommands.StringOrNull(row, _result),
                Error = FailureJson.Read(PostgresCommands.StringOrNull(row, _error), kind),
                Attempt = row.GetInt32(_attempt),
                MaxAttempts = row.GetInt32(_maxAttempts),
                Timeout = row.IsDBNull(_timeout) ? null : TimeSpan.FromMilliseconds(row.GetInt64(_timeout)),
                Backoff = new RetryBackoff
                {
                    Initial = TimeSpan.FromMilliseconds(row.GetInt64(_backoffInitial)),
                    Maximum = TimeSpan.FromMilliseconds(row.GetInt64(_backoffMax)),
                    Jitter = row.GetDouble(_backoffJitter),
                },
                UniqueKey = PostgresCommands.StringOrNull(row, _uniqueKey),
                CreatedAt = row.GetFieldValue<DateTimeOffset>(_createdAt),
                RunAt = row.GetFieldValue<DateTimeOffset>(_runAt),
                ExpiresAt = PostgresCommands.TimeOrNull(row, _expiresAt),
                AttemptedAt = PostgresCommands.TimeOrNull(row, _attemptedAt),
                AttemptedBy = PostgresCommands.StringOrNull(row, _attemptedBy),
                LeaseExpiresAt = PostgresCommands.TimeOrNull(row, _leaseExpiresAt),
                CancelRequestedAt = PostgresCommands.TimeOrNull(row, _cancelRequestedAt),
                FinishedAt = PostgresCommands.TimeOrNull(row, _finishedAt),
            };
        }
    }
}
