using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>The operator side: cancel, retry, prune.</summary>
internal sealed partial class PostgresJobStore
{
    public async Task<IReadOnlyList<JobCancelled>> JobsCancel(JobsCancelParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<JobCancelled>(parameters.Ids.Count);
        foreach (long id in parameters.Ids)
        {
            object? state;
            using (NpgsqlCommand cancel = connection.Command("jobs_cancel", transaction).Bind("id", id).Bind("now", parameters.Now))
            {
                state = await cancel.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }

            JobCancelResult result = state switch
            {
                "cancelled" => JobCancelResult.Cancelled,
                "running" => JobCancelResult.CancelRequested,
                _ => await StateOfAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false) is null ? JobCancelResult.NotFound : JobCancelResult.AlreadyFinished,
            };
            results.Add(new JobCancelled(id, result));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    public async Task<IReadOnlyList<JobRetried>> JobsRetry(JobsRetryParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<JobRetried>(parameters.Ids.Count);
        foreach (long id in parameters.Ids)
        {
            object? state;
            using (NpgsqlCommand retry = connection.Command("jobs_retry", transaction).Bind("id", id).Bind("now", parameters.Now))
            {
                state = await retry.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }

            JobRetryResult result = state is string ? JobRetryResult.Retried
                : await StateOfAsync(connection, transaction, id, cancellationToken).ConfigureAwait(false) is null ? JobRetryResult.NotFound
                : JobRetryResult.NotRetryable;
            results.Add(new JobRetried(id, result));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    public async Task<int> JobsPrune(JobsPruneParams parameters, CancellationToken cancellationToken)
    {
        IEnumerable<JobState> states = parameters.States ?? [JobState.Succeeded, JobState.Dead, JobState.Cancelled];
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand command = connection.Command("jobs_prune")
            .Bind("states", states.Select(JobStateNames.ToName).ToArray())
            .Bind("finished_before", parameters.FinishedBefore)
            .Bind("limit", parameters.Limit);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string?> StateOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, CancellationToken cancellationToken)
    {
        using NpgsqlCommand command = connection.Command("jobs_state", transaction).Bind("id", id);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
