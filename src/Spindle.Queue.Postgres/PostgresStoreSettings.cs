using Npgsql;

namespace Spindle.Queue.Postgres;

/// <summary>What <see cref="PostgresJobStore.OpenAsync"/> needs.</summary>
/// <param name="Connection">Where the database is; the jobs live in the first schema of its search path.</param>
/// <param name="AgingRate">The database's aging rate to set, or <see langword="null"/> to keep it.</param>
/// <param name="Now">The time recorded for migrations applied now.</param>
internal sealed record PostgresStoreSettings(NpgsqlConnectionStringBuilder Connection, double? AgingRate, DateTimeOffset Now);
