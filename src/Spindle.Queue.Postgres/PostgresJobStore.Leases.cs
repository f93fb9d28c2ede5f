using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>The worker side: claim, heartbeat, complete, rescue; each one round trip.</summary>
internal sealed partial class PostgresJobStore
{
    // Each round trip's first statement sets its plan mode and commit for that implicit transaction only; its one row
    // is the first result, which the caller passes over. Why each: the files. (Declared before the statements built
    // from them: static fields are set in the order they are written.)
    internal static readonly string ClaimRoundTrip = PostgresSql.Get("round_trip_claim");

    internal static readonly string CustomPlans = PostgresSql.Get("round_trip_custom_plans");

    // Promotion, expiry and the claim itself, sent together: PostgreSQL runs them as one implicit transaction, on
    // generic plans, committed without waiting for the WAL flush (round_trip_claim.sql). All three seek by index
    // under a generic plan (PostgresJobStoreTests).
    internal static readonly string ClaimSql = string.Join('\n',
        ClaimRoundTrip, PostgresSql.Get("jobs_promote"), PostgresSql.Get("jobs_expire"), PostgresSql.Get("jobs_claim"));

    // The same for one queue, as every lane of a worker claims.
    internal static readonly string ClaimOneQueueSql = string.Join('\n',
        ClaimRoundTrip, PostgresSql.Get("jobs_promote"), PostgresSql.Get("jobs_expire"), PostgresSql.Get("jobs_claim_one_queue"));

    // The heartbeat, as the completions, on custom plans for its arrays, waiting for its commit's flush
    // (round_trip_custom_plans.sql).
    internal static readonly string HeartbeatSql = CustomPlans + "\n" + PostgresSql.Get("jobs_heartbeat");

    /// <summary>Moves the reader past the settings' row to the round trip's own result, which must follow.</summary>
    private static async Task PastSettingsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The store's round trip returned no result after its settings.");
        }
    }

    public async Task<IReadOnlyList<JobInfo>> JobsClaim(JobsClaimParams parameters, CancellationToken cancellationToken)
    {
        if (parameters.Limit < 1 || parameters.Queues.Count == 0)
        {
            return [];
        }

        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // "Now" and the free slots as of having a connection: a claim that waited for one must not write a
        // lease that has already run out (a rescue would take the job at once), and takes the slots freed meanwhile.
        DateTimeOffset now = parameters.NowInLock;
        string[] queues = parameters.Queues.Distinct(StringComparer.Ordinal).ToArray();
        using NpgsqlCommand command = queues.Length == 1
            ? new NpgsqlCommand(ClaimOneQueueSql, connection).Bind("queue", queues[0])
            : new NpgsqlCommand(ClaimSql, connection).Bind("queues", queues);
        command.Bind("now", now)
            .Bind("limit", parameters.LimitInLock)
            .Bind("worker_id", parameters.WorkerId)
            .Bind("lease", parameters.Lease)
            .BindNullable("lease_from", LeaseClock(now));
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await PastSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
        return await PostgresJobRows.ReadAllAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    public async Task<JobsHeartbeatResult> JobsHeartbeat(JobsHeartbeatParams parameters, CancellationToken cancellationToken)
    {
        if (parameters.Jobs.Count == 0)
        {
            return new JobsHeartbeatResult([], [], []);
        }

        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = parameters.NowInLock;
        using NpgsqlCommand command = new NpgsqlCommand(HeartbeatSql, connection)
            .Bind("ids", parameters.Jobs.Select(j => j.Id).ToArray())
            .Bind("attempts", parameters.Jobs.Select(j => j.Attempt).ToArray())
            .Bind("claimed_ats", parameters.Jobs.Select(j => j.ClaimedAt?.ToUniversalTime()).ToArray())
            .Bind("lease", parameters.Lease)
            .BindNullable("lease_from", LeaseClock(now));
        // Each row names the lease it extended by its place in the arrays (from 1): the others are lost.
        var extended = new bool[parameters.Jobs.Count];
        var cancelRequested = new List<long>();
        using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await PastSettingsAsync(reader, cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                int at = checked((int)reader.GetInt64(0)) - 1;
                extended[at] = true;
                if (reader.GetBoolean(1))
                {
                    cancelRequested.Add(parameters.Jobs[at].Id);
                }
            }
        }

        return new JobsHeartbeatResult(
            [.. parameters.Jobs.Where((_, i) => extended[i]).Select(j => j.Id)],
            [.. parameters.Jobs.Where((_, i) => !extended[i])],
            cancelRequested);
    }

    public Task<JobsCompleteResult> JobsComplete(JobsCompleteParams parameters, CancellationToken cancellationToken)
    {
        // Checked before anything is sent: one malformed completion must not roll back the valid ones with it.
        foreach (JobCompletion completion in parameters.Completions)
        {
            if (completion.Outcome != JobOutcome.Succeeded && completion.Error is null)
            {
                throw new ArgumentException($"The completion of job {completion.Id} as {completion.Outcome} carries no error.", nameof(parameters));
            }

            if (!Enum.IsDefined(completion.Outcome))
            {
                throw new ArgumentOutOfRangeException(nameof(parameters), completion.Outcome, "Not a job outcome.");
            }
        }

        return parameters.Completions.Count == 0 ? Task.FromResult(new JobsCompleteResult([], [])) : CompleteAsync(parameters, cancellationToken);
    }

    /// <summary>
    /// One statement per kind of outcome, each over arrays (unnest), all sent in one round trip and run as one
    /// implicit transaction. A claim completed twice in a batch is completed by its first completion; the later ones
    /// are stale, as they would be written one after the other. Completions of one job from different claims are
    /// all sent, and the fence takes at most one.
    /// </summary>
    private async Task<JobsCompleteResult> CompleteAsync(JobsCompleteParams parameters, CancellationToken cancellationToken)
    {
        var first = new List<JobCompletion>(parameters.Completions.Count);
        var stale = new List<JobLease>();
        // Two completions of one claim: the first counts. Two of one job from different claims (a worker that got a job
        // again after a server crash forgot its claim) are both sent: the fence lets at most one through, and the row
        // it writes says which (each statement changes a job once, so a second match in the same one is left out).
        var seen = new HashSet<(long, DateTimeOffset?)>();
        foreach (JobCompletion completion in parameters.Completions)
        {
            if (seen.Add((completion.Id, completion.ClaimedAt)))
            {
                first.Add(completion);
            }
            else
            {
                stale.Add(completion.Lease);
            }
        }

        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One implicit transaction for the settings and the statements after it: no error barriers (EnableErrorBarriers
        // would end it after the first command).
        using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(CustomPlans));
        var groups = new List<List<JobCompletion>>(4); // one per statement after the settings, in their order
        AddCompletions(batch, groups, first, JobOutcome.Succeeded, "jobs_complete_succeeded", (c, group) => c.Bind("results", group.Select(j => j.Result ?? "null").ToArray()));
        AddCompletions(batch, groups, first, JobOutcome.Failed, "jobs_complete_failed", (c, group) => c
            .Bind("finals", group.Select(j => j.Outcome == JobOutcome.FailedFinal).ToArray())
            .Bind("retry_ats", group.Select(j => (j.RetryAt ?? parameters.Now).ToUniversalTime()).ToArray())
            .Bind("errors", group.Select(ErrorOf).ToArray()));
        AddCompletions(batch, groups, first, JobOutcome.Cancelled, "jobs_complete_cancelled", (c, group) => c.Bind("errors", group.Select(ErrorOf).ToArray()));
        AddCompletions(batch, groups, first, JobOutcome.Released, "jobs_complete_released", (c, group) => c.Bind("errors", group.Select(ErrorOf).ToArray()));
        foreach (NpgsqlBatchCommand command in batch.BatchCommands.Skip<NpgsqlBatchCommand>(1))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", parameters.Now.ToUniversalTime()));
        }

        // Each row names the completion it recorded by its place in its statement's arrays (from 1): the rest are stale.
        var states = new Dictionary<JobCompletion, JobState>(first.Count, ReferenceEqualityComparer.Instance);
        using (NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (List<JobCompletion> group in groups)
            {
                if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException("The completions' round trip returned fewer results than it sent statements.");
                }

                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    // The id checks the row belongs to this group: a statement without RETURNING would have no result
                    // set, and the next statement's rows would be read as this one's.
                    JobCompletion completion = group[checked((int)reader.GetInt64(0)) - 1];
                    if (completion.Id != reader.GetInt64(1))
                    {
                        throw new InvalidOperationException($"The completions' round trip returned job {reader.GetInt64(1)} for the completion of job {completion.Id}.");
                    }

                    states[completion] = JobStateNames.Parse(reader.GetString(2));
                }
            }
        }

        var completed = new List<(long Id, JobState State)>(states.Count);
        foreach (JobCompletion completion in first)
        {
            if (states.TryGetValue(completion, out JobState state))
            {
                completed.Add((completion.Id, state));
            }
            else
            {
                stale.Add(completion.Lease);
            }
        }

        return new JobsCompleteResult(completed, stale);
    }

    private static void AddCompletions(
        NpgsqlBatch batch, List<List<JobCompletion>> groups, List<JobCompletion> completions, JobOutcome outcome, string sql, Action<NpgsqlBatchCommand, List<JobCompletion>> bind)
    {
        List<JobCompletion> group = completions.Where(c => c.Outcome == outcome || (outcome == JobOutcome.Failed && c.Outcome == JobOutcome.FailedFinal)).ToList();
        if (group.Count == 0)
        {
            return;
        }

        var command = new NpgsqlBatchCommand(PostgresSql.Get(sql));
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", group.Select(c => c.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<int[]>("attempts", group.Select(c => c.Attempt).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("claimed_ats", group.Select(c => c.ClaimedAt?.ToUniversalTime()).ToArray()));
        bind(command, group);
        batch.BatchCommands.Add(command);
        groups.Add(group);
    }

    public async Task<IReadOnlyList<JobRescued>> JobsRescue(JobsRescueParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand command = connection.Command("jobs_rescue")
            .Bind("now", parameters.Now)
            .Bind("limit", parameters.Limit)
            .BindNullable("lease_now", LeaseClock(parameters.Now));
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rescued = new List<JobRescued>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rescued.Add(new JobRescued(reader.GetInt64(0), reader.GetInt32(1), JobStateNames.Parse(reader.GetString(2))));
        }

        return rescued;
    }

    /// <summary>The time leases are counted from: the caller's, or NULL for the database's own clock.</summary>
    private object? LeaseClock(DateTimeOffset now) => _databaseClock ? null : now.ToUniversalTime();

    private static string ErrorOf(JobCompletion completion) =>
        FailureJson.Write(completion.Error ?? throw new ArgumentException($"The completion of job {completion.Id} as {completion.Outcome} carries no error.", nameof(completion)));
}
