namespace Spindle.Queue.Sqlite;

/// <summary>
/// Brings a database to the newest schema this build knows, in one BEGIN IMMEDIATE transaction: processes
/// that open a new file at the same moment queue on the write lock, and each after the first finds nothing
/// left to apply. Each applied migration is a row of <c>schema_version</c>.
/// </summary>
internal static class SqliteMigrator
{
    /// <returns>How many migrations were applied (0 when the schema was current).</returns>
    internal static Task<int> MigrateAsync(SqliteWriter writer, string path, DateTimeOffset now, CancellationToken cancellationToken) =>
        writer.WriteAsync((path, now), static (transaction, state) =>
        {
            transaction.Command("schema_version_create").ExecuteNonQuery();
            long current = (long)transaction.Command("schema_version_max").ExecuteScalar()!;
            int latest = SqlScripts.Migrations[^1].Version;
            if (current > latest)
            {
                throw new InvalidOperationException(
                    $"SQLite store '{state.path}' has schema version {current}, newer than this Spindle.Queue knows ({latest}); upgrade Spindle.Queue to use it.");
            }

            int applied = 0;
            foreach (SqlScripts.Migration migration in SqlScripts.Migrations)
            {
                if (migration.Version <= current)
                {
                    continue;
                }

                transaction.ExecuteText(migration.Sql);
                transaction.Command("schema_version_insert")
                    .Bind("@version", migration.Version)
                    .Bind("@name", migration.Name)
                    .Bind("@now", state.now)
                    .ExecuteNonQuery();
                applied++;
            }

            return applied;
        }, cancellationToken);
}
