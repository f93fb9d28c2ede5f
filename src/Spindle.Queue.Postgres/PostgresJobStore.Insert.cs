using Npgsql;
using NpgsqlTypes;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>Enqueue: many jobs per statement from arrays, or by binary COPY for large batches without unique keys.</summary>
internal sealed partial class PostgresJobStore
{
    /// <summary>From this many jobs (none with a unique key) a batch is written by binary COPY.</summary>
    internal const int CopyThreshold = 500;

    public async Task<IReadOnlyList<JobInserted>> JobsInsert(JobsInsertParams parameters, CancellationToken cancellationToken)
    {
        if (parameters.Jobs.Count == 0)
        {
            return [];
        }

        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<JobInserted> inserted = await InsertAsync(connection, transaction, parameters, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    /// <summary>
    /// Inserts within a transaction the caller commits: the store's own, or the application's
    /// (<see cref="PostgresJobQueueExtensions"/>), so that jobs exist only if the rest of its work commits too.
    /// Workers are notified when the transaction commits, never for a rolled-back one.
    /// </summary>
    internal static async Task<IReadOnlyList<JobInserted>> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, JobsInsertParams parameters, CancellationToken cancellationToken)
    {
        IReadOnlyList<JobInsert> jobs = parameters.Jobs;
        long[] ids = await ReserveIdsAsync(connection, transaction, jobs.Count, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<JobInserted> inserted = jobs.Count >= CopyThreshold && jobs.All(j => j.UniqueKey is null)
            ? await CopyAsync(connection, transaction, ids, parameters, cancellationToken).ConfigureAwait(false)
            : await InsertArraysAsync(connection, transaction, ids, parameters, cancellationToken).ConfigureAwait(false);
        string[] ready = inserted.Where(j => j.Created && j.State == JobState.Available).Select(j => j.Queue).Distinct(StringComparer.Ordinal).ToArray();
        if (ready.Length > 0)
        {
            using NpgsqlCommand notify = connection.Command("jobs_notify", transaction).Bind("queues", ready);
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return inserted;
    }

    private static async Task<long[]> ReserveIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int count, CancellationToken cancellationToken)
    {
        using NpgsqlCommand command = connection.Command("jobs_ids_reserve", transaction).Bind("count", count);
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var ids = new long[count];
        int i = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids[i++] = reader.GetInt64(0);
        }

        Array.Sort(ids); // one sequence hands them out rising; the order of rows is not promised, so make it so
        return ids;
    }

    // How many times a batch's unresolved jobs are inserted again (see InsertArraysAsync).
    private const int InsertRounds = 3;

    /// <summary>
    /// Inserts the batch from arrays. A job whose unique key matched is answered with the job holding the key, read
    /// back afterwards; if that job was pruned in between (it finished long ago, and the key is free again), the
    /// job is inserted once more, as if it had come just after the prune.
    /// </summary>
    private static async Task<IReadOnlyList<JobInserted>> InsertArraysAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long[] ids, JobsInsertParams parameters, CancellationToken cancellationToken)
    {
        IReadOnlyList<JobInsert> all = parameters.Jobs;
        var inserted = new JobInserted?[all.Count];
        List<int> pending = [.. Enumerable.Range(0, all.Count)];
        for (int round = 1; pending.Count > 0; round++)
        {
            if (round > InsertRounds)
            {
                throw new InvalidOperationException(
                    $"Job {pending[0]} of the batch was neither inserted nor found by its unique key {InsertRounds} times (the job holding the key kept disappearing).");
            }

            JobInserted?[] answers = await InsertRoundAsync(
                connection, transaction, [.. pending.Select(i => ids[i])], [.. pending.Select(i => all[i])], parameters.Now, cancellationToken).ConfigureAwait(false);
            for (int k = 0; k < pending.Count; k++)
            {
                inserted[pending[k]] = answers[k];
            }

            pending = pending.Where(i => inserted[i] is null).ToList();
        }

        return [.. inserted.Select(j => j!.Value)];
    }

    /// <summary>One insert statement for the jobs given, then the jobs holding the keys that matched; null for a job whose key holder was not found.</summary>
    private static async Task<JobInserted?[]> InsertRoundAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long[] ids, JobInsert[] jobs, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var created = new Dictionary<long, JobState>(jobs.Length);
        using (NpgsqlCommand insert = connection.Command("jobs_insert", transaction)
            .Bind("now", now)
            .Bind("ids", ids)
            .Bind("kinds", jobs.Select(j => j.Kind).ToArray())
            .Bind("queues", jobs.Select(j => j.Queue).ToArray())
            .Bind("priorities", jobs.Select(j => j.Priority).ToArray())
            .Bind("args", jobs.Select(j => j.Arguments).ToArray())
            .Bind("max_attempts", jobs.Select(j => j.MaxAttempts).ToArray())
            .Bind("timeouts", jobs.Select(j => PostgresCommands.Milliseconds(j.Timeout)).ToArray())
            .Bind("backoff_initials", jobs.Select(j => (long)j.Backoff.Initial.TotalMilliseconds).ToArray())
            .Bind("backoff_maxes", jobs.Select(j => (long)j.Backoff.Maximum.TotalMilliseconds).ToArray())
            .Bind("backoff_jitters", jobs.Select(j => j.Backoff.Jitter).ToArray())
            .Bind("unique_keys", jobs.Select(j => j.UniqueKey).ToArray())
            .Bind("run_ats", jobs.Select(j => j.RunAt.ToUniversalTime()).ToArray())
            .Bind("expires_ats", jobs.Select(j => j.ExpiresAt?.ToUniversalTime()).ToArray()))
        {
            using NpgsqlDataReader reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                created.Add(reader.GetInt64(0), JobStateNames.Parse(reader.GetString(1)));
            }
        }

        // A job that was not created had a unique key that matched: an existing job, or one earlier in this batch.
        var existing = new Dictionary<string, JobInserted>(StringComparer.Ordinal);
        string[] missing = jobs.Where((j, i) => !created.ContainsKey(ids[i])).Select(j => j.UniqueKey!).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            using NpgsqlCommand lookup = connection.Command("jobs_get_by_unique_keys", transaction).Bind("unique_keys", missing);
            using NpgsqlDataReader reader = await lookup.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                existing[reader.GetString(0)] = new JobInserted(
                    reader.GetInt64(1), JobStateNames.Parse(reader.GetString(2)), Created: false, reader.GetString(3), reader.GetString(4));
            }
        }

        var answers = new JobInserted?[jobs.Length];
        for (int i = 0; i < answers.Length; i++)
        {
            JobInsert job = jobs[i];
            answers[i] = created.TryGetValue(ids[i], out JobState state) ? new JobInserted(ids[i], state, Created: true, job.Kind, job.Queue)
                : job.UniqueKey is { } key && existing.TryGetValue(key, out JobInserted found) ? found
                : null;
        }

        return answers;
    }

    /// <summary>
    /// A large batch by binary COPY: no per-row statement, no SQL parsing. The rank is computed here, from the
    /// aging rate read with FOR SHARE so that a concurrent rate change waits for this batch.
    /// </summary>
    private static async Task<IReadOnlyList<JobInserted>> CopyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long[] ids, JobsInsertParams parameters, CancellationToken cancellationToken)
    {
        double rate;
        using (NpgsqlCommand command = connection.Command("aging_rate", transaction))
        {
            rate = (double)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        DateTimeOffset now = parameters.Now.ToUniversalTime();
        var inserted = new JobInserted[parameters.Jobs.Count];
        using (NpgsqlBinaryImporter copy = await connection.BeginBinaryImportAsync(
            "COPY spindle_jobs (id, kind, queue, state, priority, rank, args, max_attempts, timeout_ms, backoff_initial_ms, backoff_max_ms, "
            + "backoff_jitter, created_at, run_at, expires_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            for (int i = 0; i < inserted.Length; i++)
            {
                JobInsert job = parameters.Jobs[i];
                DateTimeOffset runAt = job.RunAt.ToUniversalTime();
                JobState state = runAt > now ? JobState.Scheduled : JobState.Available;
                await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(ids[i], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(job.Kind, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(job.Queue, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(JobStateNames.ToName(state), NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(job.Priority, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(RankOf(job.Priority, rate, runAt > now ? runAt : now), NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(job.Arguments, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(job.MaxAttempts, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(copy, PostgresCommands.Milliseconds(job.Timeout), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync((long)job.Backoff.Initial.TotalMilliseconds, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync((long)job.Backoff.Maximum.TotalMilliseconds, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(job.Backoff.Jitter, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await copy.WriteAsync(runAt, NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                await WriteNullableAsync(copy, job.ExpiresAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
                inserted[i] = new JobInserted(ids[i], state, Created: true, job.Kind, job.Queue);
            }

            await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return inserted;
    }

    /// <summary>The same rank the SQL statements compute: priority minus the aging rate times seconds since 2025-01-01 at which the job is due.</summary>
    private static double RankOf(int priority, double rate, DateTimeOffset due) =>
        priority - (rate * ((due - RankEpoch).Ticks / (double)TimeSpan.TicksPerSecond));

    private static readonly DateTimeOffset RankEpoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : struct
    {
        if (value is { } present)
        {
            await copy.WriteAsync(present, type, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
