using Spindle.Queue.Storage;
using Spindle.Queue.Tests.Storage;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>The conformance suite on the real PostgreSQL server, a fresh schema per test.</summary>
public sealed class PostgresJobStoreConformanceTests : JobStoreConformanceTests
{
    private TestSchema? _schema;

    private protected override async Task<IJobStore> OpenStoreCoreAsync(double? agingRate)
    {
        _schema ??= await PostgresServer.CreateSchemaAsync();
        return await PostgresJobStore.OpenAsync(_schema.Settings(agingRate, Time.GetUtcNow()), CancellationToken.None);
    }

    protected override async Task DropDatabaseAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
