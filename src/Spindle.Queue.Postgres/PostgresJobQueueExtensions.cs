using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>
/// Enqueueing inside the application's own PostgreSQL transaction: the jobs are written with the rest of its
/// work and exist only if that transaction commits (no job for an order that rolled back, no order without its
/// job). The transaction's connection must reach the queue's database and schema.
/// </summary>
public static class PostgresJobQueueExtensions
{
    /// <summary>Enqueues one job in <paramref name="transaction"/>, validated and defaulted as <see cref="JobQueue.EnqueueAsync(string, string, EnqueueOptions?, CancellationToken)"/> does.</summary>
    /// <param name="queue">A queue opened on PostgreSQL (<c>postgres://...</c>).</param>
    /// <param name="transaction">The application's open transaction; the caller commits or rolls it back.</param>
    /// <param name="kind">The task kind.</param>
    /// <param name="arguments">The arguments as JSON.</param>
    /// <param name="options">Queue, priority, delay and the rest; the queue's defaults otherwise.</param>
    /// <param name="cancellationToken">Cancels the insert (the transaction is then the caller's to roll back).</param>
    /// <returns>The job's handle; following it shows the job only once the transaction has committed.</returns>
    public static async Task<JobHandle> EnqueueAsync(
        this JobQueue queue, NpgsqlTransaction transaction, string kind, string arguments, EnqueueOptions? options = null, CancellationToken cancellationToken = default) =>
        (await EnqueueManyAsync(queue, transaction, [new JobRequest(kind, arguments, options)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Enqueues many jobs in <paramref name="transaction"/>; an invalid one fails the call before anything is written.</summary>
    /// <param name="queue">A queue opened on PostgreSQL (<c>postgres://...</c>).</param>
    /// <param name="transaction">The application's open transaction; the caller commits or rolls it back.</param>
    /// <param name="jobs">The jobs, in order.</param>
    /// <param name="cancellationToken">Cancels the insert (the transaction is then the caller's to roll back).</param>
    /// <returns>One handle per job, in order.</returns>
    public static async Task<IReadOnlyList<JobHandle>> EnqueueManyAsync(
        this JobQueue queue, NpgsqlTransaction transaction, IEnumerable<JobRequest> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(jobs);
        if (queue is not StoreJobQueue { Store: PostgresJobStore store } storeQueue)
        {
            throw new ArgumentException("Enqueueing in an NpgsqlTransaction needs a queue opened on PostgreSQL (postgres://...).", nameof(queue));
        }

        NpgsqlConnection connection = transaction.Connection
            ?? throw new ArgumentException("The transaction has already been committed or rolled back.", nameof(transaction));
        JobQueueOptions defaults = storeQueue.Options;
        DateTimeOffset now = defaults.TimeProvider.GetUtcNow();
        var inserts = new List<JobInsert>();
        foreach (JobRequest request in jobs)
        {
            try
            {
                ArgumentNullException.ThrowIfNull(request, nameof(jobs));
                inserts.Add(JobInserts.Build(request.Kind, request.Arguments, argumentsAreJson: false, request.Options, defaults, now));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Job {inserts.Count} of the batch: {e.Message}", e);
            }
        }

        if (inserts.Count == 0)
        {
            return [];
        }

        // Another schema may hold another queue's tables: jobs written there would never reach this queue's workers.
        using (NpgsqlCommand current = connection.Command("current_schema", transaction))
        {
            if (await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string schema || schema != store.Schema)
            {
                throw new ArgumentException(
                    $"The transaction's connection works in another schema than the queue ({store.Schema}): set its search path to the queue's.", nameof(transaction));
            }
        }

        IReadOnlyList<JobInserted> inserted = await PostgresJobStore.InsertAsync(connection, transaction, new JobsInsertParams(inserts, now), cancellationToken).ConfigureAwait(false);
        return inserted.Select(job => new JobHandle(queue, job.Id, job.Kind, job.Queue, job.State, job.Created)).ToList();
    }
}
