using Npgsql;

namespace Spindle.Queue.Postgres;

/// <summary>What <see cref="PostgresJobStore.OpenAsync"/> needs.</summary>
/// <param name="Connection">Where the database is; the jobs live in the first schema of its search path.</param>
/// <param name="AgingRate">The database's aging rate to set, or <see langword="null"/> to keep it.</param>
/// <param name="Now">The time recorded for migrations applied now.</param>
/// <param name="DatabaseClock">
/// Whether leases are written and expired by the database server's clock instead of the callers' "now": with
/// workers on many machines, a lease then means the same on every one whatever their clocks say, and rescue
/// never takes a job early because the leader's clock runs ahead of a worker's. On when the queue runs on the
/// real clock (<see cref="TimeProvider.System"/>); off for a fake clock, whose leases must follow it.
/// </param>
/// <param name="Time">The clock of the store's own waits (a listener's pause before it reconnects).</param>
internal sealed record PostgresStoreSettings(NpgsqlConnectionStringBuilder Connection, double? AgingRate, DateTimeOffset Now, bool DatabaseClock = false, TimeProvider? Time = null);
