using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>Regression tests for the review of the PostgreSQL store (issue 6).</summary>
public sealed class PostgresReviewTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private TestSchema _schema = null!;

    public async Task InitializeAsync() => _schema = await PostgresServer.CreateSchemaAsync();

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    private static JobInsert Job(int priority) =>
        new("test.job", "default", "{}", priority, Now, null, 3, null, RetryBackoff.Default, null);

    // An enqueue in an application's transaction still open while another process changes the aging rate: the change
    // must not re-rank without it, or the job keeps a rank under the old rate (decades of aging off).
    [Fact]
    public async Task Issue6_A_rate_change_waits_for_an_open_enqueue_so_no_job_keeps_a_rank_under_the_old_rate()
    {
        await using PostgresJobStore first = await PostgresJobStore.OpenAsync(_schema.Settings(1.0, Now), CancellationToken.None);
        long high = (await first.JobsInsert(new JobsInsertParams([Job(1000)], Now), CancellationToken.None))[0].Id;

        NpgsqlConnectionStringBuilder b = PostgresConnectionString.Parse(_schema.ConnectionString);
        await using var app = new NpgsqlConnection(b.ConnectionString);
        await app.OpenAsync();
        await using NpgsqlTransaction tx = await app.BeginTransactionAsync();
        long low = (await PostgresJobStore.InsertAsync(app, tx, new JobsInsertParams([Job(0)], Now), CancellationToken.None))[0].Id;

        Task<PostgresJobStore> opening = PostgresJobStore.OpenAsync(_schema.Settings(2.0, Now), CancellationToken.None);
        bool openedWhileInsertOpen = await Task.WhenAny(opening, Task.Delay(500)) == opening;
        await tx.CommitAsync();
        await using PostgresJobStore second = await opening;

        JobInfo best = Assert.Single(await second.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromMinutes(1), Now), CancellationToken.None));
        Assert.True(best.Id == high, $"openedWhileInsertOpen={openedWhileInsertOpen}: claimed priority {best.Priority} (id {best.Id}) before priority 1000 (id {high}); low={low}");
    }

    // The job holding a unique key is pruned between the insert that met the key and the read that looks for the
    // holder (a trigger deletes it at that moment, as a prune committing then would): the key is free again, so the
    // job is inserted as new instead of failing with "neither inserted nor found".
    [Fact]
    public async Task Issue6_A_unique_key_whose_holder_is_pruned_mid_insert_inserts_the_job_anew()
    {
        await using PostgresJobStore store = await PostgresJobStore.OpenAsync(_schema.Settings(null, Now), CancellationToken.None);
        JobInsert keyed = Job(0) with { UniqueKey = "report:7" };
        JobInserted holder = (await store.JobsInsert(new JobsInsertParams([keyed], Now), CancellationToken.None))[0];
        await using (NpgsqlConnection admin = await PostgresServer.OpenAdminAsync())
        await using (var trigger = new NpgsqlCommand(
            $"""
            CREATE TABLE {_schema.Name}.vanished (done boolean NOT NULL);
            INSERT INTO {_schema.Name}.vanished VALUES (false);
            CREATE FUNCTION {_schema.Name}.prune_key_holder() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT (SELECT done FROM {_schema.Name}.vanished) THEN
                    UPDATE {_schema.Name}.vanished SET done = true;
                    DELETE FROM {_schema.Name}.spindle_jobs WHERE unique_key = 'report:7';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER prune_key_holder AFTER INSERT ON {_schema.Name}.spindle_jobs
                FOR EACH STATEMENT EXECUTE FUNCTION {_schema.Name}.prune_key_holder();
            """, admin))
        {
            await trigger.ExecuteNonQueryAsync();
        }

        JobInserted again = (await store.JobsInsert(new JobsInsertParams([keyed, Job(5)], Now), CancellationToken.None))[0];

        Assert.True(again.Created);
        Assert.NotEqual(holder.Id, again.Id);
        Assert.Null(await store.JobsGet(new JobsGetParams(holder.Id), CancellationToken.None));
        Assert.Equal("report:7", (await store.JobsGet(new JobsGetParams(again.Id), CancellationToken.None))!.UniqueKey);
        Assert.Equal(2L, await PostgresServer.ScalarAsync<long>($"SELECT count(*) FROM {_schema.Name}.spindle_jobs"));
    }

    [Fact]
    public void Issue6_A_url_whose_password_holds_unencoded_at_or_question_marks_is_refused_without_quoting_it()
    {
        var e = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Parse("postgres://spindle:p@ss?Secr3tTail@db.internal:5432/spindle"));
        Assert.DoesNotContain("Secr3tTail", e.Message, StringComparison.Ordinal);
        Assert.Contains("percent-encoded", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PostgresConnectionString.Parse("postgres://spindle:pa/ss@db.internal:5432/spindle"));
        Assert.Equal("pa@ss/?", PostgresConnectionString.Parse("postgres://spindle:pa%40ss%2F%3F@db.internal:5432/spindle").Password);
    }
}
