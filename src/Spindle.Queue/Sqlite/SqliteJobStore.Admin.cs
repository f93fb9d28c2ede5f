using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>The operator side: cancel, retry, prune.</summary>
internal sealed partial class SqliteJobStore
{
    public Task<IReadOnlyList<JobCancelled>> JobsCancel(JobsCancelParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            var results = new List<JobCancelled>(parameters.Ids.Count);
            foreach (long id in parameters.Ids)
            {
                object? state = transaction.Command("jobs_cancel").Bind("@id", id).Bind("@now", parameters.Now).ExecuteScalar();
                JobCancelResult result = state switch
                {
                    "cancelled" => JobCancelResult.Cancelled,
                    "running" => JobCancelResult.CancelRequested,
                    _ => StateOf(transaction, id) is null ? JobCancelResult.NotFound : JobCancelResult.AlreadyFinished,
                };
                results.Add(new JobCancelled(id, result));
            }

            return (IReadOnlyList<JobCancelled>)results;
        }, cancellationToken);

    public Task<IReadOnlyList<JobRetried>> JobsRetry(JobsRetryParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            var results = new List<JobRetried>(parameters.Ids.Count);
            foreach (long id in parameters.Ids)
            {
                object? state = transaction.Command("jobs_retry").Bind("@id", id).Bind("@now", parameters.Now).ExecuteScalar();
                JobRetryResult result = state is not null ? JobRetryResult.Retried
                    : StateOf(transaction, id) is null ? JobRetryResult.NotFound
                    : JobRetryResult.NotRetryable;
                results.Add(new JobRetried(id, result));
            }

            return (IReadOnlyList<JobRetried>)results;
        }, cancellationToken);

    public Task<int> JobsPrune(JobsPruneParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            IEnumerable<JobState> states = parameters.States ?? [JobState.Succeeded, JobState.Dead, JobState.Cancelled];
            return transaction.Command("jobs_prune")
                .Bind("@states", "[" + string.Join(',', states.Select(s => $"\"{JobStateNames.ToName(s)}\"")) + "]")
                .Bind("@finished_before", parameters.FinishedBefore)
                .Bind("@limit", parameters.Limit)
                .ExecuteNonQuery();
        }, cancellationToken);

    public async Task<StoreCheckpointed?> StoreCheckpoint(StoreCheckpointParams parameters, CancellationToken cancellationToken)
    {
        bool complete = false;
        await _writer.RunAsync(connection =>
        {
            // PASSIVE first: it copies what it can without waiting for anyone or holding up other processes' writers.
            // Only once it has caught up with the whole log does TRUNCATE follow, which then has (almost) nothing left
            // to copy and only resets the log; it waits for other processes' readers to leave the log, bounded here
            // by a short busy timeout (the writer's usual one is long), so a busy moment costs a retry, not a stall.
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            using (SqliteDataReader passive = command.ExecuteReader())
            {
                if (!passive.Read() || passive.GetInt64(1) != passive.GetInt64(2))
                {
                    return;
                }
            }

            command.CommandText = $"PRAGMA busy_timeout = {(long)parameters.Patience.TotalMilliseconds}; PRAGMA wal_checkpoint(TRUNCATE);";
            try
            {
                using SqliteDataReader reader = command.ExecuteReader();
                reader.NextResult();
                complete = reader.Read() && reader.GetInt64(0) == 0;
            }
            finally
            {
                command.CommandText = $"PRAGMA busy_timeout = {(long)_busyTimeout.TotalMilliseconds};";
                command.ExecuteNonQuery();
            }
        }, cancellationToken).ConfigureAwait(false);
        return new StoreCheckpointed(complete);
    }

    private static string? StateOf(SqliteWriter.Transaction transaction, long id) =>
        transaction.Command("jobs_state").Bind("@id", id).ExecuteScalar() as string;
}
