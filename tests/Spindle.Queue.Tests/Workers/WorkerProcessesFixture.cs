namespace Spindle.Queue.Tests.Workers;

/// <summary>A queue on a fresh SQLite file and real worker processes on it (<see cref="QueueTestWorkers"/>), all gone after the test.</summary>
public abstract class WorkerProcessesFixture : IAsyncLifetime
{
    private readonly TempDatabase _database = new();

    internal QueueTestWorkers Workers { get; private set; } = null!;

    protected JobQueue Queue { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Queue = await JobQueue.OpenAsync(_database.ConnectionString);
        Workers = new QueueTestWorkers(_database.Path, Path.Combine(_database.Directory, "ledger.txt"));
    }

    public async Task DisposeAsync()
    {
        Workers.Dispose();
        await Queue.DisposeAsync();
        _database.Dispose();
    }
}
