namespace Spindle.Queue.Postgres.Tests;

/// <summary>A fresh schema on the test server, a queue open on it and a scratch folder (for ledgers), all gone after the test.</summary>
public abstract class SchemaQueueFixture : IAsyncLifetime
{
    private protected string Folder { get; } = Directory.CreateTempSubdirectory("spindle-pg-").FullName;

    private protected TestSchema Schema { get; private set; } = null!;

    private protected JobQueue Queue { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Schema = await PostgresServer.CreateSchemaAsync();
        Queue = await JobQueue.OpenAsync(Schema.ConnectionString);
    }

    public virtual async Task DisposeAsync()
    {
        await Queue.DisposeAsync();
        await Schema.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
