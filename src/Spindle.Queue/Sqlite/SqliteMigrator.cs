using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// Brings a database to the newest schema this build knows, in one BEGIN IMMEDIATE transaction: processes
/// that open a new file at the same moment queue on the write lock, and each after the first finds nothing
/// left to apply. Each applied migration is a row of <c>schema_version</c>. The version is read first without the
/// write lock, so a process that opens a current file (every worker start) does not queue behind the others' writes.
/// </summary>
internal static class SqliteMigrator
{
    /// <returns>How many migrations were applied (0 when the schema was current).</returns>
    internal static async Task<int> MigrateAsync(SqliteWriter writer, string path, DateTimeOffset now, CancellationToken cancellationToken)
    {
        long? current = null;
        await writer.RunAsync(connection =>
        {
            if (Scalar(connection, "schema_version_exists") > 0)
            {
                current = Scalar(connection, "schema_version_max");
            }
        }, cancellationToken).ConfigureAwait(false);
        if (current is { } version && version >= SqlScripts.Migrations[^1].Version)
        {
            return Applied(version, 0, path);
        }

        return await writer.WriteAsync((path, now), static (transaction, state) =>
        {
            transaction.Command("schema_version_create").ExecuteNonQuery();
            long current = (long)transaction.Command("schema_version_max").ExecuteScalar()!;
            int applied = 0;
            foreach (SqlMigration migration in SqlScripts.Migrations)
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

            return Applied(current, applied, state.path);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refuses a file whose schema is newer than this build knows; otherwise returns <paramref name="applied"/>.</summary>
    private static int Applied(long version, int applied, string path)
    {
        int latest = SqlScripts.Migrations[^1].Version;
        return version > latest
            ? throw new InvalidOperationException($"SQLite store '{path}' has schema version {version}, newer than this Spindle.Queue knows ({latest}); upgrade Spindle.Queue to use it.")
            : applied;
    }

    private static long Scalar(SqliteConnection connection, string script)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = SqlScripts.Get(script);
        return (long)command.ExecuteScalar()!;
    }
}
