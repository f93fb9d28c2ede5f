using Spindle.Queue.Sqlite;
using Spindle.Queue.Storage;
using Spindle.Queue.Tests.Storage;

namespace Spindle.Queue.Tests.Sqlite;

/// <summary>The conformance suite on a real SQLite file, a fresh one per test.</summary>
public sealed class SqliteJobStoreConformanceTests : JobStoreConformanceTests
{
    private readonly TempDatabase _database = new();

    private protected override async Task<IJobStore> OpenStoreCoreAsync(double? agingRate) =>
        await SqliteJobStore.OpenAsync(new SqliteStoreSettings(_database.Path, TimeSpan.FromSeconds(30), agingRate, Time.GetUtcNow()), CancellationToken.None);

    protected override Task DropDatabaseAsync()
    {
        _database.Dispose();
        return Task.CompletedTask;
    }
}
