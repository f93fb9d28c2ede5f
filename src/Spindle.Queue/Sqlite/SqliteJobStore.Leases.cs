using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>The worker side: claim, heartbeat, complete, rescue.</summary>
internal sealed partial class SqliteJobStore
{
    public Task<IReadOnlyList<JobInfo>> JobsClaim(JobsClaimParams parameters, CancellationToken cancellationToken) =>
        parameters.Limit < 1 || parameters.Queues.Count == 0 ? Task.FromResult<IReadOnlyList<JobInfo>>([]) :
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            // "Now" as of holding the write lock: a claim that waited behind other writers must not write a
            // lease that has already run out (another worker's rescue would take the job at once).
            DateTimeOffset now = parameters.NowInLock;
            int limit = parameters.LimitInLock;

            // Promotion and expiry first, in the same transaction and at the same "now", so that what is
            // claimed is exactly the due, unexpired jobs. Both are index seeks that usually find nothing.
            transaction.Command("jobs_promote").Bind("@now", now).ExecuteNonQuery();
            transaction.Command("jobs_expire").Bind("@now", now).ExecuteNonQuery();

            // The best few of each queue, then the best of those: each queue is one seek on its own stretch
            // of the claim index, so serving several queues never sorts a whole queue.
            var candidates = new List<(long Id, double Rank, long RunAt)>();
            foreach (string queue in parameters.Queues.Distinct(StringComparer.Ordinal))
            {
                using SqliteDataReader reader = transaction.Command("jobs_claim_candidates")
                    .Bind("@queue", queue)
                    .Bind("@limit", limit)
                    .ExecuteReader();
                while (reader.Read())
                {
                    candidates.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2)));
                }
            }

            if (candidates.Count == 0)
            {
                return (IReadOnlyList<JobInfo>)[];
            }

            candidates.Sort(static (a, b) =>
                b.Rank != a.Rank ? b.Rank.CompareTo(a.Rank) : a.RunAt != b.RunAt ? a.RunAt.CompareTo(b.RunAt) : a.Id.CompareTo(b.Id));
            var order = new Dictionary<long, int>();
            for (int i = 0; i < Math.Min(limit, candidates.Count); i++)
            {
                order.Add(candidates[i].Id, i);
            }

            List<JobInfo> claimed = SqliteJobRows.ReadAll(transaction.Command("jobs_claim")
                .Bind("@ids", "[" + string.Join(',', order.Keys) + "]")
                .Bind("@now", now)
                .Bind("@worker_id", parameters.WorkerId)
                .Bind("@lease_expires_at", now + parameters.Lease));
            claimed.Sort((a, b) => order[a.Id].CompareTo(order[b.Id]));
            return claimed;
        }, cancellationToken);

    public Task<JobsHeartbeatResult> JobsHeartbeat(JobsHeartbeatParams parameters, CancellationToken cancellationToken) =>
        parameters.Jobs.Count == 0 ? Task.FromResult(new JobsHeartbeatResult([], [], [])) :
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            DateTimeOffset now = parameters.NowInLock;
            var extended = new List<long>(parameters.Jobs.Count);
            var lost = new List<JobLease>();
            var cancelRequested = new List<long>();
            foreach (JobLease lease in parameters.Jobs)
            {
                object? cancel = transaction.Command("jobs_heartbeat")
                    .Bind("@id", lease.Id)
                    .Bind("@attempt", lease.Attempt)
                    .Bind("@lease_expires_at", now + parameters.Lease)
                    .ExecuteScalar();
                if (cancel is null)
                {
                    lost.Add(lease);
                    continue;
                }

                extended.Add(lease.Id);
                if ((long)cancel != 0)
                {
                    cancelRequested.Add(lease.Id);
                }
            }

            return new JobsHeartbeatResult(extended, lost, cancelRequested);
        }, cancellationToken);

    public Task<JobsCompleteResult> JobsComplete(JobsCompleteParams parameters, CancellationToken cancellationToken)
    {
        // Checked before the transaction: one malformed completion must not roll back the valid ones with it.
        foreach (JobCompletion completion in parameters.Completions)
        {
            if (completion.Outcome != JobOutcome.Succeeded && completion.Error is null)
            {
                throw new ArgumentException($"The completion of job {completion.Id} as {completion.Outcome} carries no error.", nameof(parameters));
            }
        }

        return parameters.Completions.Count == 0 ? Task.FromResult(new JobsCompleteResult([], [])) : CompleteAsync(parameters, cancellationToken);
    }

    private Task<JobsCompleteResult> CompleteAsync(JobsCompleteParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            var completed = new List<(long Id, JobState State)>(parameters.Completions.Count);
            var stale = new List<JobLease>();
            Dictionary<long, bool> many = SqliteJobCompletions.WriteSucceeded(transaction, parameters);
            foreach (JobCompletion completion in parameters.Completions)
            {
                if (completion.Outcome == JobOutcome.Succeeded && many.TryGetValue(completion.Id, out bool recorded))
                {
                    if (recorded)
                    {
                        completed.Add((completion.Id, JobState.Succeeded));
                    }
                    else
                    {
                        stale.Add(completion.Lease);
                    }

                    continue;
                }

                SqliteCommand command = completion.Outcome switch
                {
                    JobOutcome.Succeeded => transaction.Command("jobs_complete_succeeded").Bind("@result", completion.Result ?? "null"),
                    JobOutcome.Failed or JobOutcome.FailedFinal => transaction.Command("jobs_complete_failed")
                        .Bind("@final", completion.Outcome == JobOutcome.FailedFinal ? 1 : 0)
                        .Bind("@retry_at", completion.RetryAt ?? parameters.Now)
                        .Bind("@error", ErrorOf(completion)),
                    JobOutcome.Cancelled => transaction.Command("jobs_complete_cancelled").Bind("@error", ErrorOf(completion)),
                    JobOutcome.Released => transaction.Command("jobs_complete_released").Bind("@error", ErrorOf(completion)),
                    _ => throw new ArgumentOutOfRangeException(nameof(parameters), completion.Outcome, "Not a job outcome."),
                };
                object? state = command
                    .Bind("@id", completion.Id)
                    .Bind("@attempt", completion.Attempt)
                    .Bind("@now", parameters.Now)
                    .ExecuteScalar();
                if (state is string name)
                {
                    completed.Add((completion.Id, JobStateNames.Parse(name)));
                }
                else
                {
                    stale.Add(completion.Lease);
                }
            }

            return new JobsCompleteResult(completed, stale);
        }, cancellationToken);

    public Task<IReadOnlyList<JobRescued>> JobsRescue(JobsRescueParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            using SqliteDataReader reader = transaction.Command("jobs_rescue")
                .Bind("@now", parameters.Now)
                .Bind("@limit", parameters.Limit)
                .ExecuteReader();
            var rescued = new List<JobRescued>();
            while (reader.Read())
            {
                rescued.Add(new JobRescued(reader.GetInt64(0), reader.GetInt32(1), JobStateNames.Parse(reader.GetString(2))));
            }

            return (IReadOnlyList<JobRescued>)rescued;
        }, cancellationToken);

    private static string ErrorOf(JobCompletion completion) =>
        FailureJson.Write(completion.Error ?? throw new ArgumentException($"The completion of job {completion.Id} as {completion.Outcome} carries no error.", nameof(completion)));
}
