using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Spindle.Queue.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Tests.Sqlite;

/// <summary>What only the SQLite store promises: its file settings, its migrations, and many writers on one file.</summary>
public sealed class SqliteJobStoreTests : IDisposable
{
    private readonly TempDatabase _database = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Opening_creates_the_file_and_its_directory_in_wal_mode_with_the_schema_at_the_latest_version()
    {
        await using SqliteJobStore store = await OpenAsync();

        Assert.True(File.Exists(_database.Path));
        Assert.Equal(_database.Path, store.Path);
        Assert.Equal("wal", Scalar("PRAGMA journal_mode;"));
        Assert.Equal(4L, Scalar("SELECT max(version) FROM schema_version;"));
        Assert.Equal("001_create_jobs", Scalar("SELECT name FROM schema_version WHERE version = 1;"));
        Assert.Equal("002_create_schedules", Scalar("SELECT name FROM schema_version WHERE version = 2;"));
        Assert.Equal(_time.GetUtcNow().ToUnixTimeMilliseconds(), Scalar("SELECT applied_at FROM schema_version WHERE version = 1;"));
        Assert.Equal("003_queue_state_off_the_hot_path", Scalar("SELECT name FROM schema_version WHERE version = 3;"));
        Assert.Equal("004_state_tests_without_in_lists", Scalar("SELECT name FROM schema_version WHERE version = 4;"));

        // The writer keeps a statement's temporary tables in memory (2), not in a temporary file (the default, 0).
        Assert.Equal(2L, await WriterPragmaAsync(store, "temp_store"));
    }

    [Fact]
    public async Task Reopening_applies_no_migration_twice()
    {
        for (int i = 0; i < 3; i++)
        {
            await using SqliteJobStore store = await OpenAsync();
        }

        Assert.Equal(4L, Scalar("SELECT count(*) FROM schema_version;"));
        Assert.Equal(1L, Scalar("SELECT count(*) FROM queue_settings;"));
    }

    [Fact]
    public async Task Several_stores_opening_a_new_file_at_once_apply_the_migrations_once()
    {
        SqliteJobStore[] stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(OpenAsync)));
        try
        {
            Assert.Equal(4L, Scalar("SELECT count(*) FROM schema_version;"));
            Assert.Equal(1L, Scalar("SELECT count(*) FROM queue_settings;"));
        }
        finally
        {
            foreach (SqliteJobStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_claim_reads_the_free_slots_while_it_holds_the_write_lock()
    {
        await using SqliteJobStore store = await OpenAsync();
        DateTimeOffset now = _time.GetUtcNow();
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 6).Select(_ => new JobInsert("k.x", "default", "{}", 0, now, null, 1, null, RetryBackoff.Default, null))], now), CancellationToken.None);
        bool? lockHeld = null;

        IReadOnlyList<JobInfo> claimed = await store.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromSeconds(30), now, Free: () =>
        {
            // Another connection cannot start a write now only if the claim's transaction holds the lock.
            // (Microsoft.Data.Sqlite retries a busy statement until its command timeout: one second here.)
            using var other = new SqliteConnection($"Data Source={_database.Path};Pooling=False;Default Timeout=1");
            other.Open();
            using SqliteCommand begin = other.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE;";
            try
            {
                begin.ExecuteNonQuery();
                lockHeld = false;
                begin.CommandText = "ROLLBACK;";
                begin.ExecuteNonQuery();
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 5)
            {
                lockHeld = true;
            }

            return 4;
        }), CancellationToken.None);

        Assert.True(lockHeld);
        Assert.Equal(4, claimed.Count);
    }

    [Fact]
    public async Task Opening_a_current_file_reads_its_version_without_waiting_for_the_write_lock()
    {
        await (await OpenAsync()).DisposeAsync();
        using var holder = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        holder.Open();
        using SqliteTransaction writing = holder.BeginTransaction(deferred: false);

        // Another process's long write transaction: a worker that starts meanwhile still opens the file, since it finds
        // nothing to apply. A store that wanted the write lock would wait here for the whole busy timeout.
        Task<SqliteJobStore> opening = SqliteJobStore.OpenAsync(new SqliteStoreSettings(_database.Path, TimeSpan.FromSeconds(30), null, _time.GetUtcNow()), CancellationToken.None);
        await using SqliteJobStore store = await opening.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(4L, Scalar("SELECT count(*) FROM schema_version;"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_bulk_insert_takes_consecutive_ids_in_the_order_given_after_a_prune_too(bool ownOptions)
    {
        // Either statement (shared options, or every job's own): the ids are worked out from the last one's.
        await using SqliteJobStore store = await OpenAsync();
        DateTimeOffset now = _time.GetUtcNow();
        JobInsert Job(int i) => new("test.job", "default", $"{i}", ownOptions ? i % 3 : 0, now, null, 3, null, RetryBackoff.Default, null);
        await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 5).Select(Job)], now), CancellationToken.None);
        Execute("DELETE FROM jobs;");

        IReadOnlyList<JobInserted> inserted = await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 2_500).Select(Job)], now), CancellationToken.None);

        Assert.Equal(Enumerable.Range(6, 2_500).Select(i => (long)i), inserted.Select(i => i.Id));
        Assert.Equal(!ownOptions, SqliteJobInserts.ShareAllButArguments([.. Enumerable.Range(0, 2_500).Select(Job)], 0, 2_500));
        for (int i = 0; i < 2_500; i += 499)
        {
            JobInfo? job = await store.JobsGet(new JobsGetParams(inserted[i].Id), CancellationToken.None);
            Assert.Equal(($"{i}", ownOptions ? i % 3 : 0), (job!.Arguments, job.Priority));
        }
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_with_both_versions_named()
    {
        await (await OpenAsync()).DisposeAsync();
        Execute("INSERT INTO schema_version (version, name, applied_at) VALUES (99, '099_future', 0);");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);

        Assert.Equal($"SQLite store '{_database.Path}' has schema version 99, newer than this Spindle.Queue knows (4); upgrade Spindle.Queue to use it.", error.Message);
    }

    [Fact]
    public async Task A_database_at_version_1_is_brought_to_the_latest_and_keeps_its_jobs()
    {
        await using (SqliteJobStore store = await OpenAsync())
        {
            await store.JobsInsert(new JobsInsertParams([new JobInsert("k.x", "default", "{}", 0, _time.GetUtcNow(), null, 1, null, RetryBackoff.Default, null)], _time.GetUtcNow()), CancellationToken.None);
        }

        // Play a database written by the build before schedules existed (and before migration 003 narrowed an index).
        Execute("DROP TABLE schedules; DROP INDEX jobs_queue_state; CREATE INDEX jobs_queue_state ON jobs (queue, state); DELETE FROM schema_version WHERE version >= 2;");
        await using (SqliteJobStore store = await OpenAsync())
        {
            Assert.Empty(await store.SchedulesList(new SchedulesListParams(), CancellationToken.None));
        }

        Assert.Equal(4L, Scalar("SELECT max(version) FROM schema_version;"));
        Assert.Equal(1L, Scalar("SELECT count(*) FROM jobs;"));
        Assert.Contains(RestingStates, (string)Scalar("SELECT sql FROM sqlite_master WHERE name = 'jobs_queue_state';")!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jobs")]
    [InlineData("no job ever")]
    [InlineData("every job pruned")]
    public async Task A_database_at_version_3_is_rebuilt_with_every_job_and_its_id_counter_kept(string jobs)
    {
        bool empty = jobs != "jobs";
        // A file as the build before migration 004 wrote it: the first three migrations only.
        Directory.CreateDirectory(Path.GetDirectoryName(_database.Path)!);
        Execute(SqlScripts.Get("schema_version_create"));
        foreach (SqlMigration migration in SqlScripts.Migrations.Take(3))
        {
            Execute(migration.Sql);
            Execute($"INSERT INTO schema_version (version, name, applied_at) VALUES ({migration.Version}, '{migration.Name}', 0);");
        }

        if (jobs != "no job ever")
        {
            Execute("""
                INSERT INTO jobs (kind, queue, state, priority, rank, args, result, error, attempt, max_attempts, timeout_ms,
                                  backoff_initial_ms, backoff_max_ms, backoff_jitter, unique_key, created_at, run_at, expires_at,
                                  attempted_at, attempted_by, lease_expires_at, cancel_requested_at, finished_at)
                VALUES ('a.b', 'q1', 'succeeded', 3, -1.5, '{"x":1}', '"done"', NULL, 1, 3, 500, 1000, 60000, 0.2, 'key-1', 10, 11, 99, 12, 'w1', NULL, NULL, 13),
                       ('a.c', 'q2', 'running', -2, 2.25, '[1]', NULL, '{"kind":"Error"}', 2, 5, NULL, 10, 20, 0, NULL, 20, 21, NULL, 22, 'w2', 30000, 25, NULL),
                       ('a.d', 'q1', 'scheduled', 0, 0, 'null', NULL, NULL, 0, 1, NULL, 10, 10, 1, NULL, 30, 500, NULL, NULL, NULL, NULL, NULL, NULL);
                """);

            // Jobs pruned since: the counter is past the highest id left (or past every id, none left).
            Execute("UPDATE sqlite_sequence SET seq = 41 WHERE name = 'jobs';");
            if (empty)
            {
                Execute("DELETE FROM jobs;");
            }
        }

        string before = Rows();

        await using SqliteJobStore store = await OpenAsync();

        Assert.Equal(4L, Scalar("SELECT max(version) FROM schema_version;"));
        Assert.Equal(before, Rows());
        Assert.Null(Scalar("SELECT name FROM sqlite_master WHERE name = 'jobs_rebuilt';"));
        Assert.DoesNotContain(" IN (", (string)Scalar("SELECT group_concat(sql, ' ') FROM sqlite_master WHERE tbl_name = 'jobs';")!, StringComparison.Ordinal);
        Assert.Equal(7L, Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL;"));
        IReadOnlyList<JobInserted> next = await store.JobsInsert(new JobsInsertParams([new JobInsert("k.x", "q1", "{}", 0, _time.GetUtcNow(), null, 1, null, RetryBackoff.Default, null)], _time.GetUtcNow()), CancellationToken.None);
        Assert.Equal(jobs == "no job ever" ? 1L : 42L, Assert.Single(next).Id);
        Assert.Equal(empty ? 0L : 2L, Scalar($"SELECT count(*) FROM jobs INDEXED BY jobs_queue_state WHERE {RestingStates};"));
        SqliteException refused = Assert.Throws<SqliteException>(() => Execute("UPDATE jobs SET state = 'lost';"));
        Assert.Contains("CHECK constraint failed", refused.Message, StringComparison.Ordinal);

        string Rows() => Scalar("SELECT group_concat(json_array(id, kind, queue, state, priority, rank, args, result, error, attempt, max_attempts, timeout_ms, backoff_initial_ms, backoff_max_ms, backoff_jitter, unique_key, created_at, run_at, expires_at, attempted_at, attempted_by, lease_expires_at, cancel_requested_at, finished_at), ';') FROM (SELECT * FROM jobs ORDER BY id);") as string ?? "";
    }

    [Fact]
    public async Task The_aging_rate_is_kept_in_the_database_and_changed_only_when_given()
    {
        await (await OpenAsync(agingRate: 0.25)).DisposeAsync();
        await (await OpenAsync(agingRate: null)).DisposeAsync();

        Assert.Equal(0.25, Scalar("SELECT aging_rate FROM queue_settings;"));
    }

    [Fact]
    public void Migrations_are_numbered_embedded_sql_files_in_order()
    {
        Assert.Equal([1, 2, 3, 4], SqlScripts.Migrations.Select(m => m.Version));
        Assert.Contains("CREATE TABLE jobs", SqlScripts.Migrations[0].Sql, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE schedules", SqlScripts.Migrations[1].Sql, StringComparison.Ordinal);
        Assert.Contains("CREATE INDEX jobs_queue_state", SqlScripts.Migrations[2].Sql, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE jobs_rebuilt", SqlScripts.Migrations[3].Sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Four_stores_hammering_one_file_with_every_kind_of_write_never_see_database_is_locked()
    {
        const int Stores = 4, Rounds = 60, PerRound = 5;
        var stores = new List<SqliteJobStore>();
        for (int i = 0; i < Stores; i++)
        {
            stores.Add(await OpenAsync());
        }

        var errors = new ConcurrentQueue<Exception>();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // Two threads per store: one that enqueues, claims, heartbeats and completes, one that reads and
            // runs maintenance. Every write of every store competes for the one file lock.
            Task[] work = stores.SelectMany((store, s) => new[]
            {
                Task.Run(async () =>
                {
                    await go.Task;
                    for (int round = 0; round < Rounds; round++)
                    {
                        await Guard(errors, async () =>
                        {
                            DateTimeOffset now = _time.GetUtcNow();
                            await store.JobsInsert(new JobsInsertParams(Enumerable.Range(0, PerRound).Select(i => Job($"q{s}")).ToList(), now), CancellationToken.None);
                            IReadOnlyList<JobInfo> claimed = await store.JobsClaim(new JobsClaimParams($"w{s}", [$"q{s}"], PerRound, TimeSpan.FromMinutes(5), now), CancellationToken.None);
                            await store.JobsHeartbeat(new JobsHeartbeatParams(claimed.Select(j => new JobLease(j.Id, j.Attempt)).ToList(), TimeSpan.FromMinutes(5), now), CancellationToken.None);
                            await store.JobsComplete(new JobsCompleteParams(claimed.Select(j => JobCompletion.Succeeded(j.Id, j.Attempt, "1")).ToList(), now), CancellationToken.None);
                        });
                    }
                }),
                Task.Run(async () =>
                {
                    await go.Task;
                    for (int round = 0; round < Rounds; round++)
                    {
                        await Guard(errors, async () =>
                        {
                            DateTimeOffset now = _time.GetUtcNow();
                            await store.QueueStats(new QueueStatsParams(), CancellationToken.None);
                            await store.JobsList(new JobsListParams($"q{s}", null, null, null, 20, NewestFirst: true), CancellationToken.None);
                            await store.JobsRescue(new JobsRescueParams(now, 100), CancellationToken.None);
                            await store.JobsPrune(new JobsPruneParams(now.AddDays(-1), 100), CancellationToken.None);
                            await store.JobsCancel(new JobsCancelParams([-1], now), CancellationToken.None);
                        });
                    }
                }),
            }).ToArray();
            go.SetResult();
            await Task.WhenAll(work).WaitAsync(TimeSpan.FromMinutes(3));

            Assert.Empty(errors);
            IReadOnlyList<QueueStats> stats = await stores[0].QueueStats(new QueueStatsParams(), CancellationToken.None);
            Assert.Equal(Stores, stats.Count);
            Assert.All(stats, s => Assert.Equal((Rounds * PerRound, (long)Rounds * PerRound), (s.Total, s.Succeeded)));
        }
        finally
        {
            foreach (SqliteJobStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    private static async Task Guard(ConcurrentQueue<Exception> errors, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception e)
        {
            errors.Enqueue(e);
        }
    }

    private JobInsert Job(string queue) =>
        new("test.job", queue, "{}", 0, _time.GetUtcNow(), null, 3, null, RetryBackoff.Default, null);

    [Fact]
    public async Task A_checkpoint_copies_the_log_into_the_database_and_truncates_it()
    {
        await using SqliteJobStore store = await OpenAsync();
        DateTimeOffset now = _time.GetUtcNow();
        for (int batch = 0; batch < 5; batch++)
        {
            await store.JobsInsert(new JobsInsertParams([.. Enumerable.Range(0, 200).Select(i => new JobInsert("k.x", "default", $"{{\"i\":{i}}}", 0, now, null, 1, null, RetryBackoff.Default, null))], now), CancellationToken.None);
        }

        string wal = _database.Path + "-wal";
        Assert.True(new FileInfo(wal).Length > 0);

        StoreCheckpointed done = Assert.NotNull(await store.StoreCheckpoint(new StoreCheckpointParams(TimeSpan.FromMilliseconds(100)), CancellationToken.None));

        Assert.True(done.Complete);
        Assert.Equal(0, new FileInfo(wal).Length);
        Assert.Equal(1000L, Scalar("SELECT count(*) FROM jobs;"));
    }

    [Fact]
    public async Task A_checkpoint_behind_a_long_reader_gives_up_after_its_patience_and_writes_still_wait_as_long_as_before()
    {
        await using SqliteJobStore store = await OpenAsync();
        DateTimeOffset now = _time.GetUtcNow();
        JobInsert job = new("k.x", "default", "{}", 0, now, null, 1, null, RetryBackoff.Default, null);
        await store.JobsInsert(new JobsInsertParams([job], now), CancellationToken.None);

        // Another process's reader in the middle of a read transaction pins the log.
        using var reader = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        reader.Open();
        using (SqliteCommand begin = reader.CreateCommand())
        {
            begin.CommandText = "BEGIN; SELECT count(*) FROM jobs;";
            begin.ExecuteScalar();
        }

        await store.JobsInsert(new JobsInsertParams([job], now), CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        StoreCheckpointed done = Assert.NotNull(await store.StoreCheckpoint(new StoreCheckpointParams(TimeSpan.FromMilliseconds(100)), CancellationToken.None));
        Assert.False(done.Complete);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"gave up after {clock.Elapsed}");

        // The writer's own busy timeout is back to the store's (30 s), not the checkpoint's 100 ms.
        await store.JobsInsert(new JobsInsertParams([job], now), CancellationToken.None);
        Assert.Equal(30_000L, await BusyTimeoutOfWriterAsync(store));
    }

    private static Task<long> BusyTimeoutOfWriterAsync(SqliteJobStore store) => WriterPragmaAsync(store, "busy_timeout");

    private static async Task<long> WriterPragmaAsync(SqliteJobStore store, string pragma)
    {
        long value = 0;
        await store.Writer.RunAsync(connection =>
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {pragma};";
            value = (long)command.ExecuteScalar()!;
        }, CancellationToken.None);
        return value;
    }

    [Theory]
    [InlineData(JobState.Dead, false, new[] { "SEARCH jobs USING INDEX jobs_queue_state (queue=? AND state=?)" })]
    [InlineData(JobState.Dead, true, new[] { "SEARCH jobs USING INDEX jobs_queue_state (queue=? AND state=? AND rowid<?)" })]
    [InlineData(JobState.Succeeded, false, new[] { "SEARCH jobs USING INDEX jobs_queue_state (queue=? AND state=?)" })]
    [InlineData(JobState.Scheduled, true, new[] { "SEARCH jobs USING INDEX jobs_queue_state (queue=? AND state=? AND rowid<?)" })]
    [InlineData(JobState.Available, false, new[] { "SEARCH jobs USING INDEX jobs_claim (queue=?)", "USE TEMP B-TREE FOR ORDER BY" })]
    [InlineData(JobState.Available, true, new[] { "SEARCH jobs USING INDEX jobs_claim (queue=?)", "USE TEMP B-TREE FOR ORDER BY" })]
    [InlineData(JobState.Running, false, new[] { "SCAN jobs USING INDEX jobs_lease", "USE TEMP B-TREE FOR ORDER BY" })]
    [InlineData(JobState.Running, true, new[] { "SCAN jobs USING INDEX jobs_lease", "USE TEMP B-TREE FOR ORDER BY" })]
    public async Task Listing_a_queue_in_a_state_seeks_an_index_instead_of_scanning_every_job(JobState state, bool withCursor, string[] plan)
    {
        await (await OpenAsync()).DisposeAsync();

        string sql = SqliteJobStore.ListStatement(new JobsListParams("default", state, null, withCursor ? 100 : null, 50, NewestFirst: true));

        Assert.Equal(plan, PlanOf(sql));
    }

    [Theory]
    [InlineData("3.45.0", true)]
    [InlineData("3.53.3", true)]
    [InlineData("4.0.0", true)]
    [InlineData("3.44.2", false)]
    [InlineData("3.9", false)]
    [InlineData("not a version", false)]
    public void An_sqlite_older_than_the_store_needs_is_refused_with_both_versions_named(string version, bool accepted)
    {
        if (accepted)
        {
            SqliteConnections.CheckVersion(version, "/x/queue.db");
            return;
        }

        var error = Assert.Throws<InvalidOperationException>(() => SqliteConnections.CheckVersion(version, "/x/queue.db"));
        Assert.Equal($"SQLite store '/x/queue.db': this process loaded SQLite {version}; the store needs 3.45.0 or newer (JSONB functions).", error.Message);
    }

    [Fact]
    public async Task A_batch_of_successes_finds_each_job_by_its_id()
    {
        await (await OpenAsync()).DisposeAsync();

        Assert.Equal(["SCAN c VIRTUAL TABLE INDEX 1:", "SEARCH jobs USING INTEGER PRIMARY KEY (rowid=?)"], PlanOf(SqlScripts.Get("jobs_complete_succeeded_many")));
    }

    [Theory]
    [InlineData("jobs_promote", "SEARCH jobs USING INDEX jobs_due (run_at<?)")]
    [InlineData("jobs_expire", "SEARCH jobs USING INDEX jobs_expiry (expires_at<?)")]
    [InlineData("jobs_prune", "SEARCH jobs USING INDEX jobs_finished (finished_at<?)")]
    [InlineData("jobs_claim_candidates", "SEARCH jobs USING COVERING INDEX jobs_claim (queue=?)")]
    public async Task The_statements_of_every_claim_and_maintenance_pass_seek_their_partial_index(string script, string step)
    {
        // Each repeats its index's OR of states exactly (migration 004); were they to stop matching, every claim
        // would scan every job.
        await (await OpenAsync()).DisposeAsync();

        IReadOnlyList<string> plan = PlanOf(SqlScripts.Get(script));

        Assert.Contains(step, plan);
        Assert.DoesNotContain(plan, s => s.StartsWith("SCAN jobs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stats_count_every_state_through_an_index_instead_of_scanning_every_job()
    {
        await (await OpenAsync()).DisposeAsync();

        IReadOnlyList<string> plan = PlanOf(SqlScripts.Get("queue_stats"));

        Assert.Contains("SCAN jobs USING COVERING INDEX jobs_queue_state", plan);
        Assert.Contains("SCAN jobs USING COVERING INDEX jobs_claim", plan);
        Assert.Contains("SCAN jobs USING INDEX jobs_lease", plan);
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN jobs", StringComparison.Ordinal) && !step.Contains("INDEX", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_hot_states_are_not_in_the_queue_and_state_index_and_every_state_is_still_counted_and_listed()
    {
        await using SqliteJobStore store = await OpenAsync();
        DateTimeOffset now = _time.GetUtcNow();
        JobInsert job = new("test.job", "default", "{}", 0, now, null, 3, null, RetryBackoff.Default, null);
        await store.JobsInsert(new JobsInsertParams([job, job, job, job with { RunAt = now.AddHours(1) }], now), CancellationToken.None);
        IReadOnlyList<JobInfo> claimed = await store.JobsClaim(new JobsClaimParams("w", ["default"], 2, TimeSpan.FromMinutes(1), now), CancellationToken.None);
        await store.JobsComplete(new JobsCompleteParams([JobCompletion.Succeeded(claimed[0].Id, 1, "1")], now), CancellationToken.None);

        // available 1, running 1, succeeded 1, scheduled 1; only the last two rest in jobs_queue_state.
        Assert.Equal(2L, Scalar($"SELECT count(*) FROM jobs INDEXED BY jobs_queue_state WHERE {RestingStates}"));
        QueueStats stats = Assert.Single(await store.QueueStats(new QueueStatsParams(), CancellationToken.None));
        Assert.Equal((1, 1, 1, 1, 4), (stats.Available, stats.Running, stats.Succeeded, stats.Scheduled, stats.Total));
        foreach ((JobState state, long id) in new[] { (JobState.Running, claimed[1].Id), (JobState.Succeeded, claimed[0].Id) })
        {
            JobPage page = await store.JobsList(new JobsListParams("default", state, null, null, 10, NewestFirst: true), CancellationToken.None);
            Assert.Equal([id], page.Jobs.Select(j => j.Id));
        }

        Assert.Single((await store.JobsList(new JobsListParams("default", JobState.Available, null, null, 10, NewestFirst: false), CancellationToken.None)).Jobs);
    }

    /// <summary>The resting states: jobs_queue_state's term (migration 004).</summary>
    private const string RestingStates = "state = 'scheduled' OR state = 'retrying' OR state = 'succeeded' OR state = 'dead' OR state = 'cancelled'";

    private List<string> PlanOf(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        connection.Open();
        using SqliteCommand explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (string name in new[] { "@cursor", "@queue", "@kind", "@limit", "@completions", "@now", "@states", "@finished_before" })
        {
            explain.Parameters.AddWithValue(name, DBNull.Value);
        }

        using SqliteDataReader reader = explain.ExecuteReader();
        var steps = new List<string>();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }

        return steps;
    }

    private Task<SqliteJobStore> OpenAsync() => OpenAsync(agingRate: null);

    private Task<SqliteJobStore> OpenAsync(double? agingRate) =>
        SqliteJobStore.OpenAsync(new SqliteStoreSettings(_database.Path, TimeSpan.FromSeconds(30), agingRate, _time.GetUtcNow()), CancellationToken.None);

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_database.Path};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
