namespace Spindle.Queue.Sqlite;

/// <summary>What <see cref="SqliteJobStore.OpenAsync"/> needs.</summary>
/// <param name="Path">The database file; created with its directory if missing.</param>
/// <param name="BusyTimeout">How long a write waits for another process's write transaction.</param>
/// <param name="AgingRate">The database's aging rate to set, or <see langword="null"/> to keep it.</param>
/// <param name="Now">The time recorded for migrations applied now.</param>
internal sealed record SqliteStoreSettings(string Path, TimeSpan BusyTimeout, double? AgingRate, DateTimeOffset Now);
