using Npgsql;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>Enqueue inside the application's own transaction: the job exists only if that transaction commits.</summary>
public sealed class PostgresJobQueueExtensionsTests : IAsyncLifetime
{
    private TestSchema _schema = null!;
    private JobQueue _queue = null!;

    public async Task InitializeAsync()
    {
        _schema = await PostgresServer.CreateSchemaAsync();
        _queue = await JobQueue.OpenAsync(_schema.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _queue.DisposeAsync();
        await _schema.DisposeAsync();
    }

    [Fact]
    public async Task A_job_enqueued_in_a_transaction_appears_when_it_commits_with_the_rest_of_its_work()
    {
        await using NpgsqlConnection connection = await OpenAppConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE orders (id int PRIMARY KEY)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using (var order = new NpgsqlCommand("INSERT INTO orders VALUES (7)", connection, transaction))
        {
            await order.ExecuteNonQueryAsync();
        }

        JobHandle job = await _queue.EnqueueAsync(transaction, "orders.invoice", """{"order":7}""", new EnqueueOptions { Queue = "billing" });
        Assert.Null(await _queue.GetAsync(job.Id));   // not yet: the application has not committed

        await transaction.CommitAsync();
        JobInfo info = (await job.GetAsync())!;
        Assert.Equal(("orders.invoice", "billing", JobState.Available, """{"order":7}"""), (info.Kind, info.Queue, info.State, info.Arguments));
    }

    [Fact]
    public async Task Jobs_enqueued_in_a_transaction_that_rolls_back_never_exist()
    {
        await using NpgsqlConnection connection = await OpenAppConnectionAsync();
        IReadOnlyList<JobHandle> jobs;
        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync())
        {
            jobs = await _queue.EnqueueManyAsync(transaction, Enumerable.Range(0, 600).Select(i => new JobRequest("test.job", $"{i}")));
            await transaction.RollbackAsync();
        }

        Assert.Equal(600, jobs.Count);
        Assert.Null(await _queue.GetAsync(jobs[0].Id));
        Assert.Empty(await _queue.StatsAsync());
    }

    [Fact]
    public async Task A_bad_job_or_another_schema_is_refused_before_anything_is_written()
    {
        await using NpgsqlConnection connection = await OpenAppConnectionAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => _queue.EnqueueManyAsync(transaction, [new JobRequest("test.job", "{}"), new JobRequest("test.job", "{not json")]));
        Assert.StartsWith("Job 1 of the batch:", bad.Message, StringComparison.Ordinal);

        await using (var elsewhere = new NpgsqlCommand("SET LOCAL search_path TO public", connection, transaction))
        {
            await elsewhere.ExecuteNonQueryAsync();
        }

        var schema = await Assert.ThrowsAsync<ArgumentException>(() => _queue.EnqueueAsync(transaction, "test.job", "{}"));
        Assert.Contains($"another schema than the queue ({_schema.Name})", schema.Message, StringComparison.Ordinal);
        await transaction.CommitAsync();
        Assert.Empty(await _queue.StatsAsync());
    }

    [Fact]
    public async Task A_queue_that_is_not_on_postgres_is_refused()
    {
        string folder = Directory.CreateTempSubdirectory("spindle-pg-tx-").FullName;
        try
        {
            await using JobQueue sqlite = await JobQueue.OpenAsync($"sqlite:{folder}/queue.db");
            await using NpgsqlConnection connection = await OpenAppConnectionAsync();
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();

            var error = await Assert.ThrowsAsync<ArgumentException>(() => sqlite.EnqueueAsync(transaction, "test.job", "{}"));
            Assert.Contains("needs a queue opened on PostgreSQL", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The application's own connection, in the queue's schema.</summary>
    private async Task<NpgsqlConnection> OpenAppConnectionAsync()
    {
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(_schema.ConnectionString);
        builder.Pooling = false;   // nothing pooled survives the chaos test's server restart
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
