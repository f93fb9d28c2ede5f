using System.Collections.Concurrent;
using Npgsql;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>What only the PostgreSQL store does: SKIP LOCKED claims from many connections, COPY for large batches, schema versions.</summary>
public sealed class PostgresJobStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private TestSchema _schema = null!;

    public async Task InitializeAsync() => _schema = await PostgresServer.CreateSchemaAsync();

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Two_stores_claiming_at_once_from_many_connections_never_hand_out_a_job_twice()
    {
        const int Jobs = 3000;
        await using PostgresJobStore first = await OpenAsync();
        await using PostgresJobStore second = await OpenAsync();
        await first.JobsInsert(new JobsInsertParams(Enumerable.Range(0, Jobs).Select(i => Job($"{{\"i\":{i}}}")).ToList(), Now), CancellationToken.None);

        var claims = new ConcurrentBag<(long Id, string Worker)>();
        using var start = new SemaphoreSlim(0);
        Task[] claimers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            PostgresJobStore store = w % 2 == 0 ? first : second;
            await start.WaitAsync();
            IReadOnlyList<JobInfo> claimed;
            do
            {
                claimed = await store.JobsClaim(new JobsClaimParams($"w{w}", ["default"], 1 + (w * 3), TimeSpan.FromMinutes(5), Now), CancellationToken.None);
                foreach (JobInfo job in claimed)
                {
                    claims.Add((job.Id, $"w{w}"));
                }
            }
            while (claimed.Count > 0);
        })).ToArray();
        start.Release(claimers.Length);
        await Task.WhenAll(claimers).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(Jobs, claims.Count);
        Assert.Equal(Jobs, claims.Select(c => c.Id).Distinct().Count());
        Assert.True(claims.Select(c => c.Worker).Distinct().Count() > 1, "the claims were spread over more than one claimer");
        QueueStats stats = Assert.Single(await first.QueueStats(new QueueStatsParams(), CancellationToken.None));
        Assert.Equal((0L, (long)Jobs), (stats.Available, stats.Running));
    }

    [Fact]
    public async Task A_large_batch_goes_by_copy_and_reads_back_like_any_other()
    {
        int count = PostgresJobStore.CopyThreshold * 2;
        await using PostgresJobStore store = await OpenAsync();
        List<JobInsert> jobs = Enumerable.Range(0, count)
            .Select(i => Job($"{{\"i\":{i}}}") with { Priority = i % 3, RunAt = i == 7 ? Now.AddMinutes(5) : Now, Timeout = i == 8 ? TimeSpan.FromSeconds(9) : null })
            .ToList();

        IReadOnlyList<JobInserted> inserted = await store.JobsInsert(new JobsInsertParams(jobs, Now), CancellationToken.None);

        Assert.Equal(count, inserted.Count);
        Assert.Equal(inserted.Select(i => i.Id).Order(), inserted.Select(i => i.Id));
        Assert.Equal(JobState.Scheduled, inserted[7].State);
        JobInfo eight = (await store.JobsGet(new JobsGetParams(inserted[8].Id), CancellationToken.None))!;
        Assert.Equal(("""{"i":8}""", 2, TimeSpan.FromSeconds(9), Now), (eight.Arguments, eight.Priority, eight.Timeout!.Value, eight.CreatedAt));

        // Ranked as the statement-inserted ones are: priority first (aging off), then enqueue order.
        JobInfo best = Assert.Single(await store.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromMinutes(1), Now), CancellationToken.None));
        Assert.Equal(inserted[2].Id, best.Id);
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_naming_both_versions_and_not_the_password()
    {
        await (await OpenAsync()).DisposeAsync();
        await using (NpgsqlConnection connection = await PostgresServer.OpenAdminAsync())
        {
            await using var newer = new NpgsqlCommand($"INSERT INTO {_schema.Name}.spindle_schema_version VALUES (99, '099_future', now())", connection);
            await newer.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);

        Assert.Contains("has schema version 99, newer than this Spindle.Queue.Postgres knows (2)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stores_opening_a_new_schema_at_once_apply_each_migration_once()
    {
        PostgresJobStore[] stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(OpenAsync)));
        foreach (PostgresJobStore store in stores)
        {
            await store.DisposeAsync();
        }

        Assert.Equal(2L, await PostgresServer.ScalarAsync<long>($"SELECT count(*) FROM {_schema.Name}.spindle_schema_version"));
    }

    [Fact]
    public async Task On_the_database_clock_leases_run_from_the_servers_time_whatever_the_callers_clock_says()
    {
        await using PostgresJobStore store = await PostgresJobStore.OpenAsync(_schema.Settings(0, Now) with { DatabaseClock = true }, CancellationToken.None);
        long id = (await store.JobsInsert(new JobsInsertParams([Job("{}")], Now), CancellationToken.None))[0].Id;
        TimeSpan lease = TimeSpan.FromMinutes(10);

        // The caller's clock says 2026-03-01 (and a year later for the rescue); the server's is the real one.
        DateTimeOffset before = await PostgresServer.ScalarAsync<DateTimeOffset>("SELECT clock_timestamp()");
        JobInfo claimed = Assert.Single(await store.JobsClaim(new JobsClaimParams("w", ["default"], 1, lease, Now), CancellationToken.None));
        DateTimeOffset after = await PostgresServer.ScalarAsync<DateTimeOffset>("SELECT clock_timestamp()");

        Assert.InRange(claimed.LeaseExpiresAt!.Value, before + lease, after + lease);
        Assert.Equal(Now, claimed.AttemptedAt);
        Assert.Empty(await store.JobsRescue(new JobsRescueParams(Now.AddYears(1), 100), CancellationToken.None));

        JobsHeartbeatResult beat = await store.JobsHeartbeat(new JobsHeartbeatParams([new JobLease(id, claimed.Attempt)], TimeSpan.Zero, Now.AddYears(1)), CancellationToken.None);
        Assert.Equal([id], beat.Extended);
        Assert.Equal(JobState.Available, Assert.Single(await store.JobsRescue(new JobsRescueParams(Now, 100), CancellationToken.None)).State);
    }

    [Fact]
    public async Task A_store_asked_for_tls_asks_the_server_for_it_and_is_refused_by_one_without_it()
    {
        // The store's data sources are built slim: without transport security enabled, Npgsql would refuse
        // sslmode=require itself (NotSupportedException) and, under the default sslmode=prefer, never ask for TLS.
        PostgresStoreSettings settings = _schema.Settings(0, Now);
        settings.Connection.SslMode = SslMode.Require;

        var refused = await Assert.ThrowsAsync<NpgsqlException>(() => PostgresJobStore.OpenAsync(settings, CancellationToken.None));

        Assert.Contains("SSL", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Claims_run_on_generic_plans_completions_and_heartbeats_on_custom_ones_and_the_session_keeps_its_mode()
    {
        await using PostgresJobStore store = await OpenAsync();
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 200).Select(i => Job("1"))], Now), CancellationToken.None);
        for (int round = 0; round < 20; round++)
        {
            // One at a time, so the pool keeps one session and every statement is prepared in it.
            // Every other round from two queues: the claim a worker's lane sends and the one of many queues.
            string[] queues = round % 2 == 0 ? ["default"] : ["default", "other"];
            IReadOnlyList<JobInfo> claimed = await store.JobsClaim(new JobsClaimParams("w", queues, 10, TimeSpan.FromMinutes(1), Now), CancellationToken.None);
            Assert.Equal(10, claimed.Count);
            await store.JobsHeartbeat(new JobsHeartbeatParams([.. claimed.Select(j => new JobLease(j.Id, j.Attempt))], TimeSpan.FromMinutes(1), Now), CancellationToken.None);
            await store.JobsComplete(new JobsCompleteParams([.. claimed.Select(j => JobCompletion.Succeeded(j.Id, j.Attempt, "1"))], Now), CancellationToken.None);
        }

        await using NpgsqlConnection connection = await store.Source.OpenConnectionAsync();
        var plans = new Dictionary<string, (long Generic, long Custom)>();
        await using (var command = new NpgsqlCommand("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements", connection))
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plans[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }
        }

        // Each statement by a phrase only it has (Npgsql prepares them with $1, $2, ... for the names).
        foreach (string phrase in new[] { "AND queue = $", "CROSS JOIN LATERAL", "SET state = 'available'", "expired: no attempt started" })
        {
            (long generic, long custom) = Assert.Single(plans, p => p.Key.Contains(phrase, StringComparison.Ordinal)).Value;
            Assert.True(custom == 0 && generic > 0, $"'{phrase}': {generic} generic and {custom} custom plans");
        }

        foreach (string phrase in new[] { "state = 'succeeded',", "AS h(id, attempt, claimed_at, n)" })
        {
            (long generic, long custom) = Assert.Single(plans, p => p.Key.Contains(phrase, StringComparison.Ordinal)).Value;
            Assert.True(generic == 0 && custom > 0, $"'{phrase}': {generic} generic and {custom} custom plans");
        }

        await using var show = new NpgsqlCommand("SHOW plan_cache_mode", connection);
        Assert.Equal("auto", await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Claims_commit_without_waiting_for_the_flush_and_completions_and_heartbeats_wait_as_the_server_says()
    {
        Assert.StartsWith(PostgresJobStore.ClaimRoundTrip + "\n", PostgresJobStore.ClaimSql, StringComparison.Ordinal);
        Assert.StartsWith(PostgresJobStore.ClaimRoundTrip + "\n", PostgresJobStore.ClaimOneQueueSql, StringComparison.Ordinal);
        Assert.StartsWith(PostgresJobStore.CustomPlans + "\n", PostgresJobStore.HeartbeatSql, StringComparison.Ordinal);

        // The throwaway cluster commits asynchronously for everyone (scripts/postgres): this session waits, as a
        // production server's would, so each round trip's own setting shows.
        await using NpgsqlConnection connection = await PostgresServer.OpenAdminAsync();
        await using (var wait = new NpgsqlCommand("SET synchronous_commit = on", connection))
        {
            await wait.ExecuteNonQueryAsync();
        }

        const string Settings = "SELECT current_setting('synchronous_commit'), current_setting('plan_cache_mode'), current_setting('enable_seqscan')";
        foreach ((string preamble, string commit, string plans, string scans) in new[]
        {
            (PostgresJobStore.ClaimRoundTrip, "off", "force_generic_plan", "off"),
            (PostgresJobStore.CustomPlans, "on", "force_custom_plan", "on"),
        })
        {
            await using (var roundTrip = new NpgsqlCommand($"{preamble}\n{Settings};", connection))
            await using (NpgsqlDataReader reader = await roundTrip.ExecuteReaderAsync())
            {
                Assert.True(await reader.NextResultAsync() && await reader.ReadAsync());
                Assert.Equal((commit, plans, scans), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            // Only until that round trip's implicit transaction ended.
            await using var after = new NpgsqlCommand(Settings, connection);
            await using NpgsqlDataReader session = await after.ExecuteReaderAsync();
            Assert.True(await session.ReadAsync());
            Assert.Equal(("on", "auto", "on"), (session.GetString(0), session.GetString(1), session.GetString(2)));
        }
    }

    [Theory]
    [InlineData("succeeded", JobState.Succeeded)]
    [InlineData("failed", JobState.Retrying)]
    [InlineData("cancelled", JobState.Cancelled)]
    [InlineData("released", JobState.Available)]
    public async Task A_claim_a_crash_forgot_hands_out_its_attempt_again_and_the_forgotten_claims_completion_is_stale(string outcome, JobState after)
    {
        await using PostgresJobStore store = await OpenAsync();
        (JobInfo forgotten, JobInfo repeat) = await ForgetAndClaimAgainAsync(store);
        Assert.Equal(forgotten.Attempt, repeat.Attempt);
        Assert.NotEqual(forgotten.AttemptedAt, repeat.AttemptedAt);

        JobsCompleteResult late = await store.JobsComplete(new JobsCompleteParams([Completion(forgotten, outcome)], Now.AddSeconds(6)), CancellationToken.None);
        Assert.Equal([forgotten.Id], late.Stale.Select(l => l.Id));
        Assert.Empty(late.Completed);
        JobInfo untouched = (await store.JobsGet(new JobsGetParams(forgotten.Id), CancellationToken.None))!;
        Assert.Equal((JobState.Running, repeat.AttemptedAt, repeat.MaxAttempts, (string?)null), (untouched.State, untouched.AttemptedAt, untouched.MaxAttempts, untouched.Result));

        JobsCompleteResult own = await store.JobsComplete(new JobsCompleteParams([Completion(repeat, outcome)], Now.AddSeconds(6)), CancellationToken.None);
        Assert.Empty(own.Stale);
        Assert.Equal((forgotten.Id, after), Assert.Single(own.Completed));
    }

    [Theory]
    [InlineData(true, "succeeded")]
    [InlineData(false, "succeeded")]
    [InlineData(true, "failed")]
    [InlineData(false, "failed")]
    public async Task Completions_of_a_forgotten_claim_and_of_its_repeat_in_one_batch_complete_the_repeat_in_either_order(bool forgottenFirst, string forgottenOutcome)
    {
        await using PostgresJobStore store = await OpenAsync();
        (JobInfo forgotten, JobInfo repeat) = await ForgetAndClaimAgainAsync(store);
        JobCompletion late = forgottenOutcome == "succeeded"
            ? JobCompletion.Succeeded(forgotten.Id, forgotten.Attempt, "\"forgotten\"") with { ClaimedAt = forgotten.AttemptedAt }
            : Completion(forgotten, forgottenOutcome);
        JobCompletion own = JobCompletion.Succeeded(repeat.Id, repeat.Attempt, "\"repeat\"") with { ClaimedAt = repeat.AttemptedAt };

        JobsCompleteResult result = await store.JobsComplete(
            new JobsCompleteParams(forgottenFirst ? [late, own] : [own, late], Now.AddSeconds(6)), CancellationToken.None);

        Assert.Equal([new JobLease(forgotten.Id, forgotten.Attempt, forgotten.AttemptedAt)], result.Stale);
        Assert.Equal((repeat.Id, JobState.Succeeded), Assert.Single(result.Completed));
        JobInfo done = (await store.JobsGet(new JobsGetParams(repeat.Id), CancellationToken.None))!;
        Assert.Equal((JobState.Succeeded, "\"repeat\"", repeat.AttemptedAt), (done.State, done.Result, done.AttemptedAt));
    }

    [Fact]
    public async Task A_heartbeat_of_a_forgotten_claim_is_lost_and_leaves_the_repeats_lease_alone()
    {
        await using PostgresJobStore store = await OpenAsync();
        (JobInfo forgotten, JobInfo repeat) = await ForgetAndClaimAgainAsync(store);

        JobsHeartbeatResult beat = await store.JobsHeartbeat(
            new JobsHeartbeatParams([new JobLease(forgotten.Id, forgotten.Attempt, forgotten.AttemptedAt)], TimeSpan.FromHours(1), Now.AddSeconds(6)), CancellationToken.None);

        Assert.Empty(beat.Extended);
        Assert.Equal([new JobLease(forgotten.Id, forgotten.Attempt, forgotten.AttemptedAt)], beat.Lost);
        Assert.Equal(repeat.LeaseExpiresAt, (await store.JobsGet(new JobsGetParams(repeat.Id), CancellationToken.None))!.LeaseExpiresAt);

        JobsHeartbeatResult own = await store.JobsHeartbeat(
            new JobsHeartbeatParams([new JobLease(repeat.Id, repeat.Attempt, repeat.AttemptedAt)], TimeSpan.FromHours(1), Now.AddSeconds(6)), CancellationToken.None);
        Assert.Equal([repeat.Id], own.Extended);
        Assert.Empty(own.Lost);
    }

    /// <summary>
    /// A claim, then what a server crash leaves of it when its commit had not reached the disk (the row as it was
    /// before), then the job's next claim, at a time with sub-microsecond ticks (PostgreSQL keeps microseconds).
    /// </summary>
    private async Task<(JobInfo Forgotten, JobInfo Repeat)> ForgetAndClaimAgainAsync(PostgresJobStore store)
    {
        long id = (await store.JobsInsert(new JobsInsertParams([Job("1")], Now), CancellationToken.None))[0].Id;
        JobInfo forgotten = Assert.Single(await store.JobsClaim(new JobsClaimParams("w1", ["default"], 1, TimeSpan.FromMinutes(1), Now), CancellationToken.None));
        await using (NpgsqlConnection admin = await PostgresServer.OpenAdminAsync())
        await using (var undo = new NpgsqlCommand(
            $"UPDATE {_schema.Name}.spindle_jobs SET state = 'available', attempt = attempt - 1, attempted_at = NULL, attempted_by = NULL, lease_expires_at = NULL WHERE id = {id}", admin))
        {
            Assert.Equal(1, await undo.ExecuteNonQueryAsync());
        }

        JobInfo repeat = Assert.Single(await store.JobsClaim(
            new JobsClaimParams("w2", ["default"], 1, TimeSpan.FromMinutes(1), Now.AddSeconds(5).AddTicks(7)), CancellationToken.None));
        return (forgotten, repeat);
    }

    private static JobCompletion Completion(JobInfo claim, string outcome) => (outcome switch
    {
        "succeeded" => JobCompletion.Succeeded(claim.Id, claim.Attempt, "1"),
        "failed" => JobCompletion.Failed(claim.Id, claim.Attempt, Failure(TaskFailureKind.Exception, "failed"), Now.AddMinutes(1)),
        "cancelled" => JobCompletion.Cancelled(claim.Id, claim.Attempt, Failure(TaskFailureKind.Cancelled, "cancelled")),
        "released" => JobCompletion.Released(claim.Id, claim.Attempt, Failure(TaskFailureKind.Cancelled, "stopping")),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Not an outcome of this test."),
    }) with { ClaimedAt = claim.AttemptedAt };

    private static TaskFailure Failure(TaskFailureKind kind, string message) => new() { Kind = kind, TaskKind = "test.job", Message = message };

    [Fact]
    public async Task Every_hot_statement_s_generic_plan_seeks_instead_of_scanning_the_table()
    {
        // A generic plan guesses a share of the whole table for a LIMIT or a time bound: on many jobs an IN subquery or
        // a join then hashes the whole table (a claim of 10 took half a second with 300,000 waiting). PostgreSQL switches
        // a prepared statement to its generic plan after five calls when it judges that no dearer than the custom ones,
        // so every statement a worker or a poll sends must seek under one.
        await using PostgresJobStore store = await OpenAsync();
        DateTimeOffset now = Now;
        // A table as production grows one: a queue with a backlog next to a small one, a large backlog of scheduled
        // jobs, jobs that expire, and many finished ones.
        DateTimeOffset later = now.AddHours(1);
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 102_000).Select(i => Job("1") with { Queue = i < 100_000 ? "big" : "small", Priority = i % 3 })], now), CancellationToken.None);
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 40_000).Select(i => Job("1") with { Queue = "big", RunAt = later })], now), CancellationToken.None);
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 10_000).Select(i => Job("1") with { Queue = "small", ExpiresAt = later })], now), CancellationToken.None);
        IReadOnlyList<JobInfo> claimed = await store.JobsClaim(new JobsClaimParams("w", ["big"], 60_000, TimeSpan.FromMinutes(1), now), CancellationToken.None);
        await store.JobsComplete(new JobsCompleteParams([.. claimed.Take(58_000).Select(j => JobCompletion.Succeeded(j.Id, j.Attempt, "1"))], now), CancellationToken.None);
        await using NpgsqlConnection connection = await store.Source.OpenConnectionAsync();
        await AnalyzeAsync(connection);
        await using (var generic = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection))
        {
            // This session only; the store (and its pool) goes with the test.
            await generic.ExecuteNonQueryAsync();
        }
        (string Name, string? Index)[] statements =
        [
            ("jobs_claim", "spindle_jobs_claim"), ("jobs_claim_one_queue", "spindle_jobs_claim"), ("jobs_promote", "spindle_jobs_due"), ("jobs_expire", "spindle_jobs_expiry"),
            ("jobs_prune", "spindle_jobs_finished"), ("jobs_rescue", "spindle_jobs_lease"), ("jobs_heartbeat", null),
            ("jobs_complete_succeeded", null), ("jobs_complete_failed", null), ("jobs_complete_cancelled", null), ("jobs_get", null),
            ("jobs_state", null), ("jobs_cancel", null), ("jobs_retry", null), ("jobs_get_by_unique_keys", null),
        ];
        foreach ((string name, string? index) in statements)
        {
            string plan = await AssertSeeksAsync(connection, name, PostgresSql.Get(name));
            Assert.True(index is null || plan.Contains($"using {index}", StringComparison.Ordinal), $"{name} does not use {index} under a generic plan:\n{plan}");
        }

        // Listings of a queue's jobs in one state, first page and later ones, as a benchmark's poll, the CLI and the
        // dashboard send them: each a range of spindle_jobs_queue_state (queue, state, id), whatever the state.
        (string Name, JobsListParams Query)[] listings =
        [
            ("poll", new JobsListParams("small", JobState.Running, null, null, 1, NewestFirst: false)),
            ("poll of available", new JobsListParams("small", JobState.Available, null, null, 1, NewestFirst: false)),
            ("page", new JobsListParams("small", JobState.Succeeded, null, 5, 50, NewestFirst: true)),
            ("page of running", new JobsListParams("big", JobState.Running, null, 5, 50, NewestFirst: true)),
            ("page of available", new JobsListParams("big", JobState.Available, null, 5, 50, NewestFirst: false)),
        ];
        foreach ((string name, JobsListParams query) in listings)
        {
            string plan = await AssertSeeksAsync(connection, name, PostgresJobStore.ListStatement(query));
            Assert.True(
                plan.Contains("using spindle_jobs_queue_state on", StringComparison.Ordinal) && !plan.Contains("Sort Key", StringComparison.Ordinal),
                $"{name} is not an ordered walk of spindle_jobs_queue_state under a generic plan:\n{plan}");
        }

        // Forty more small queues: the stats of one queue of many.
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 4_000).Select(i => Job("1") with { Queue = $"q{i % 40}" })], now), CancellationToken.None);
        await AnalyzeAsync(connection);
        await AssertSeeksAsync(connection, "queue_stats_of_queue", PostgresSql.Get("queue_stats_of_queue"));

        static async Task AnalyzeAsync(NpgsqlConnection connection)
        {
            await using var analyze = new NpgsqlCommand("ANALYZE spindle_jobs", connection);
            await analyze.ExecuteNonQueryAsync();
        }

        static async Task<string> AssertSeeksAsync(NpgsqlConnection connection, string name, string sql)
        {
            string plan = await GenericPlanAsync(connection, sql);
            Assert.True(!plan.Contains("Seq Scan on spindle_jobs", StringComparison.Ordinal), $"{name} scans the whole table under a generic plan:\n{plan}");
            return plan;
        }
    }

    [Fact]
    public async Task Issue6_A_worker_that_starts_on_an_empty_queue_plans_its_claims_to_seek_all_the_same()
    {
        // A connection plans the claim's statements once (generic plans), on its first calls: for a worker started on
        // an empty queue, on an empty table. Left to guess there, PostgreSQL takes the array's rows by scanning the
        // table, and keeps doing so on that connection when thousands of jobs arrive; the round trip's settings stop it.
        await using PostgresJobStore store = await OpenAsync();
        await using NpgsqlConnection connection = await store.Source.OpenConnectionAsync();
        await using (var generic = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection))
        {
            await generic.ExecuteNonQueryAsync();
        }

        (string Name, string Index)[] statements =
        [
            ("jobs_promote", "spindle_jobs_due"), ("jobs_expire", "spindle_jobs_expiry"),
            ("jobs_claim_one_queue", "spindle_jobs_claim"), ("jobs_claim", "spindle_jobs_claim"),
        ];
        var guessed = new List<string>();
        foreach ((string name, _) in statements)
        {
            if ((await GenericPlanAsync(connection, PostgresSql.Get(name))).Contains("Seq Scan on spindle_jobs", StringComparison.Ordinal))
            {
                guessed.Add(name);
            }
        }

        // What the settings below must prevent, as PostgreSQL 15 plans: a later planner that seeks here by itself would
        // fail this line while the store is right (then this check, not the store, needs changing).
        Assert.True(guessed.Count > 0, "Without the round trip's settings no statement scans the empty table: the planner changed, see the comment.");

        // As the store sends them: after the round trip's settings, in its transaction.
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using (var settings = new NpgsqlCommand(PostgresJobStore.ClaimRoundTrip, connection, transaction))
        {
            await settings.ExecuteNonQueryAsync();
        }

        foreach ((string name, string index) in statements)
        {
            // Its own index to find the rows, the primary key to take them by: no scan, and no walk of another index.
            string plan = await GenericPlanAsync(connection, PostgresSql.Get(name));
            Assert.True(!plan.Contains("Seq Scan on spindle_jobs", StringComparison.Ordinal), $"{name} scans the whole table when planned on an empty one:\n{plan}");
            bool seeks = System.Text.RegularExpressions.Regex.IsMatch(plan, $@"Scan (using|on) {index}\b") && System.Text.RegularExpressions.Regex.IsMatch(plan, @"Scan (using|on) spindle_jobs_pkey\b");
            Assert.True(seeks, $"{name} does not seek {index} and the primary key when planned on an empty one:\n{plan}");
        }
    }

    /// <summary>The plan of a store statement as PREPARE makes it in the store's session (generic), its @names made $1, $2, ...</summary>
    private static async Task<string> GenericPlanAsync(NpgsqlConnection connection, string sql)
    {
        var names = new List<string>();
        string body = string.Join('\n', sql.Split('\n').Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim().TrimEnd(';');
        body = System.Text.RegularExpressions.Regex.Replace(body, @"@(\w+)", m =>
        {
            if (!names.Contains(m.Groups[1].Value))
            {
                names.Add(m.Groups[1].Value);
            }

            return "$" + (names.IndexOf(m.Groups[1].Value) + 1);
        });
        await using (var prepare = new NpgsqlCommand($"PREPARE planned AS {body}", connection))
        {
            await prepare.ExecuteNonQueryAsync();
        }

        string arguments = names.Count == 0 ? "" : "(" + string.Join(", ", names.Select(_ => "NULL")) + ")";
        var plan = new System.Text.StringBuilder();
        await using (var explain = new NpgsqlCommand($"EXPLAIN EXECUTE planned{arguments}", connection))
        await using (NpgsqlDataReader reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.AppendLine(reader.GetString(0));
            }
        }

        await using (var deallocate = new NpgsqlCommand("DEALLOCATE planned", connection))
        {
            await deallocate.ExecuteNonQueryAsync();
        }

        return plan.ToString();
    }

    private Task<PostgresJobStore> OpenAsync() => PostgresJobStore.OpenAsync(_schema.Settings(0, Now), CancellationToken.None);

    private static JobInsert Job(string arguments) =>
        new("test.job", "default", arguments, 0, Now, null, 3, null, RetryBackoff.Default, null);
}
