using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>
/// The one entry Spindle.Queue calls, by name, for <c>postgres://</c> and Npgsql keyword connection strings.
/// Spindle.Queue does not reference this assembly (dependencies point one way); it finds this type when the
/// assembly is present. Changing the name or signature breaks that lookup (StoreConnectionString).
/// </summary>
internal static class PostgresStoreOpener
{
    internal static async Task<IJobStore> OpenAsync(string connectionString, JobQueueOptions options, CancellationToken cancellationToken) =>
        await PostgresJobStore.OpenAsync(
            new PostgresStoreSettings(
                PostgresConnectionString.Parse(connectionString), options.AgingRate, options.TimeProvider.GetUtcNow(), DatabaseClock: options.TimeProvider == TimeProvider.System, Time: options.TimeProvider),
            cancellationToken).ConfigureAwait(false);
}
