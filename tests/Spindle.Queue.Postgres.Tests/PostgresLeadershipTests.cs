using System.Threading.Channels;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>Maintenance runs on one leader per database (and schema), and another instance takes over when it dies.</summary>
public sealed class PostgresLeadershipTests : IAsyncLifetime
{
    private TestSchema _schema = null!;

    public async Task InitializeAsync() => _schema = await PostgresServer.CreateSchemaAsync();

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task One_instance_leads_and_another_takes_over_when_the_leaders_connection_dies()
    {
        await using PostgresJobStore a = await OpenAsync();
        await using PostgresJobStore b = await OpenAsync();

        Assert.True(await a.MaintenanceLeaderAcquire(CancellationToken.None));
        Assert.False(await b.MaintenanceLeaderAcquire(CancellationToken.None));
        Assert.True(await a.MaintenanceLeaderAcquire(CancellationToken.None), "a leader stays the leader");
        Assert.False(await b.MaintenanceLeaderAcquire(CancellationToken.None));

        // The leader's session ends as it would when its machine dies: the server drops the connection.
        int leaderPid = await LeaderPidAsync();
        Assert.True(await PostgresServer.ScalarAsync<bool>($"SELECT pg_terminate_backend({leaderPid}, 10000)"));

        Assert.True(await b.MaintenanceLeaderAcquire(CancellationToken.None), "the lock died with the leader's session, so the next to ask leads");
        Assert.False(await a.MaintenanceLeaderAcquire(CancellationToken.None), "the old leader finds its session gone and the lock taken");
        Assert.NotEqual(leaderPid, await LeaderPidAsync());
    }

    [Fact]
    public async Task A_closed_leader_hands_over_and_stores_in_other_schemas_have_leaders_of_their_own()
    {
        await using TestSchema other = await PostgresServer.CreateSchemaAsync();
        PostgresJobStore a = await OpenAsync();
        await using PostgresJobStore b = await OpenAsync();
        await using PostgresJobStore elsewhere = await PostgresJobStore.OpenAsync(other.Settings(null, DateTimeOffset.UnixEpoch), CancellationToken.None);

        Assert.True(await a.MaintenanceLeaderAcquire(CancellationToken.None));
        Assert.True(await elsewhere.MaintenanceLeaderAcquire(CancellationToken.None));
        Assert.False(await b.MaintenanceLeaderAcquire(CancellationToken.None));

        await a.DisposeAsync();

        Assert.True(await b.MaintenanceLeaderAcquire(CancellationToken.None));
    }

    [Fact]
    public async Task Of_two_workers_only_the_leader_runs_maintenance_until_it_stops_then_the_other_does()
    {
        var passes = Channel.CreateUnbounded<string>();
        var catalog = new TaskCatalog();
        catalog.Add<int, int>("test.double", (x, _) => x * 2);

        await using JobQueue queueA = await JobQueue.OpenAsync(_schema.ConnectionString);
        QueueWorker a = QueueWorker.Create(queueA, catalog, Options("a", passes.Writer));
        await a.StartAsync();
        Assert.Equal("a", await NextPassAsync(passes.Reader));   // a leads: it asked first

        await using JobQueue queueB = await JobQueue.OpenAsync(_schema.ConnectionString);
        await using QueueWorker b = QueueWorker.Create(queueB, catalog, Options("b", passes.Writer));
        await b.StartAsync();

        // Both ask every 20 ms; over the next ten passes (about 200 ms) b would have run several had it not
        // asked the leader first.
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal("a", await NextPassAsync(passes.Reader));
        }

        await a.DisposeAsync();
        await queueA.DisposeAsync();   // closes a's store, and its leader session with it
        string next;
        while ((next = await NextPassAsync(passes.Reader)) == "a")
        {
            // a pass of a's that finished while it stopped
        }

        Assert.Equal("b", next);
    }

    private static async Task<string> NextPassAsync(ChannelReader<string> passes) =>
        await passes.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    private static QueueWorkerOptions Options(string id, ChannelWriter<string> passes) => new()
    {
        WorkerId = id,
        Queues = new Dictionary<string, int> { ["default"] = 1 },
        PollInterval = TimeSpan.FromMilliseconds(20),
        PruneInterval = TimeSpan.FromMilliseconds(20),
        RescueInterval = TimeSpan.FromMilliseconds(20),
        Hooks = new WorkerHooks { Pruned = _ => passes.TryWrite(id) },
    };

    private Task<PostgresJobStore> OpenAsync() => PostgresJobStore.OpenAsync(_schema.Settings(null, DateTimeOffset.UnixEpoch), CancellationToken.None);

    private async Task<int> LeaderPidAsync() =>
        await PostgresServer.MaintenanceLeaderPidAsync(_schema.Name) ?? throw new Xunit.Sdk.XunitException("No session holds the maintenance lock.");
}
