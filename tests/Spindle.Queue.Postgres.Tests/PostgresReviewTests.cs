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
