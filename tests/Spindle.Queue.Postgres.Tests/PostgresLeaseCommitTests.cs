using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>
/// Leases (claims and heartbeats) commit without waiting for the WAL flush; everything that must not be lost
/// (enqueues, completions) commits durably. A trigger records the setting each write to the jobs table ran under,
/// on a store whose sessions start with <c>synchronous_commit = on</c> (the test server's own default is off).
/// </summary>
public sealed class PostgresLeaseCommitTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private TestSchema _schema = null!;

    public async Task InitializeAsync() => _schema = await PostgresServer.CreateSchemaAsync();

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Claims_and_heartbeats_commit_asynchronously_and_enqueues_and_completions_durably()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(_schema.ConnectionString);
        builder.Options = "-c synchronous_commit=on";
        await using PostgresJobStore store = await PostgresJobStore.OpenAsync(new PostgresStoreSettings(builder, null, Now), CancellationToken.None);
        await RecordCommitModesAsync();

        await store.JobsInsert(new JobsInsertParams([new JobInsert("test.job", "default", "{}", 0, Now, null, 3, null, RetryBackoff.Default, null)], Now), CancellationToken.None);
        JobInfo job = Assert.Single(await store.JobsClaim(new JobsClaimParams("w", ["default"], 1, TimeSpan.FromMinutes(1), Now), CancellationToken.None));
        await store.JobsHeartbeat(new JobsHeartbeatParams([new JobLease(job.Id, job.Attempt)], TimeSpan.FromMinutes(1), Now), CancellationToken.None);
        await store.JobsComplete(new JobsCompleteParams([new JobCompletion(job.Id, job.Attempt, JobOutcome.Succeeded, "1", null, null)], Now), CancellationToken.None);

        Assert.Equal(
            ["insert available on", "update running off", "update running off", "update succeeded on"],
            await CommitModesAsync());
    }

    private async Task RecordCommitModesAsync()
    {
        await using NpgsqlConnection connection = await PostgresServer.OpenAdminAsync();
        await using var command = new NpgsqlCommand(
            $"""
            CREATE TABLE {_schema.Name}.commit_modes (n bigserial PRIMARY KEY, what text NOT NULL);
            CREATE FUNCTION {_schema.Name}.record_commit_mode() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {_schema.Name}.commit_modes (what)
                VALUES (lower(TG_OP) || ' ' || NEW.state || ' ' || current_setting('synchronous_commit'));
                RETURN NULL;
            END $$;
            CREATE TRIGGER record_commit_mode AFTER INSERT OR UPDATE ON {_schema.Name}.spindle_jobs
                FOR EACH ROW EXECUTE FUNCTION {_schema.Name}.record_commit_mode();
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> CommitModesAsync()
    {
        await using NpgsqlConnection connection = await PostgresServer.OpenAdminAsync();
        await using var command = new NpgsqlCommand($"SELECT what FROM {_schema.Name}.commit_modes ORDER BY n", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var modes = new List<string>();
        while (await reader.ReadAsync())
        {
            modes.Add(reader.GetString(0));
        }

        return modes;
    }
}
