using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>
/// Brings a database to the newest schema this build knows, in one transaction holding a transaction-scoped
/// advisory lock: processes that open a new database at the same moment queue on the lock, and each after the
/// first finds nothing left to apply. Each applied migration is a row of <c>spindle_schema_version</c>.
/// </summary>
internal static class PostgresMigrator
{
    /// <returns>The schema the store's tables are in (the first of the search path that exists) and its notification channel.</returns>
    internal static async Task<(string Schema, string Channel)> MigrateAsync(NpgsqlDataSource source, string description, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        string schema, channel;
        using (NpgsqlCommand currentSchema = connection.Command("current_schema"))
        using (NpgsqlDataReader reader = await currentSchema.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.IsDBNull(0))
            {
                throw new InvalidOperationException(
                    $"PostgreSQL store {description} has no schema to create its tables in: the search path names no schema that exists. Create it, or set one that does (Search Path=... or ?search_path=...).");
            }

            (schema, channel) = (reader.GetString(0), reader.GetString(1));
        }

        using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (NpgsqlCommand command = connection.Command("migrate_lock", transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using (NpgsqlCommand command = connection.Command("schema_version_create", transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int current;
        using (NpgsqlCommand command = connection.Command("schema_version_max", transaction))
        {
            current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        int latest = PostgresSql.Migrations[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"PostgreSQL store {description} has schema version {current}, newer than this Spindle.Queue.Postgres knows ({latest}); upgrade Spindle.Queue.Postgres to use it.");
        }

        foreach (SqlMigration migration in PostgresSql.Migrations.Where(m => m.Version > current))
        {
            using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            using (NpgsqlCommand record = connection.Command("schema_version_insert", transaction)
                .Bind("version", migration.Version).Bind("name", migration.Name).Bind("now", now))
            {
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (schema, channel);
    }
}
