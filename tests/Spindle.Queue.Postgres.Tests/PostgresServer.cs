using Npgsql;

namespace Spindle.Queue.Postgres.Tests;

/// <summary>
/// The PostgreSQL server scripts/test starts (a throwaway cluster), named by <c>SPINDLE_TEST_POSTGRES</c>. Each
/// test gets a schema of its own, so tests running at once never see each other's jobs. Without the variable
/// every test here fails, saying how to get a server: a missing database must never look like a pass.
/// </summary>
internal static class PostgresServer
{
    internal const string Variable = "SPINDLE_TEST_POSTGRES";

    /// <summary>The server's connection string (postgres://user:password@127.0.0.1:port/db).</summary>
    internal static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : throw new InvalidOperationException(
            $"{Variable} is not set: these tests need the throwaway PostgreSQL server that scripts/test starts. Run scripts/test, "
            + $"or start one with scripts/postgres start and export {Variable} with the connection string it prints.");

    /// <summary>The server's password, to check that it never shows.</summary>
    internal static string Password => PostgresConnectionString.Parse(ConnectionString).Password!;

    /// <summary>A fresh schema, and the connection string (URL form) whose search path names it.</summary>
    internal static async Task<TestSchema> CreateSchemaAsync()
    {
        string name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using NpgsqlConnection connection = await OpenAdminAsync();
        await using (var create = new NpgsqlCommand($"CREATE SCHEMA {name}", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new TestSchema(name, $"{ConnectionString}?search_path={name}");
    }

    internal static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        // Unpooled: a pooled connection would be stale after the chaos test restarts the server.
        NpgsqlConnectionStringBuilder builder = PostgresConnectionString.Parse(ConnectionString);
        builder.Pooling = false;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The backend holding a schema's maintenance lock (the two-key advisory lock the store takes), if any.</summary>
    internal static async Task<int?> MaintenanceLeaderPidAsync(string schema)
    {
        await using NpgsqlConnection connection = await OpenAdminAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND classid::bigint = (hashtext('spindle')::bigint & 4294967295)
              AND objid::bigint = (hashtext(@schema || ':maintenance')::bigint & 4294967295)
            """, connection);
        command.Parameters.AddWithValue("schema", schema);
        return await command.ExecuteScalarAsync() as int?;
    }

    internal static async Task<T> ScalarAsync<T>(string sql)
    {
        await using NpgsqlConnection connection = await OpenAdminAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"No row from: {sql}");
        return reader.GetFieldValue<T>(0);
    }
}

/// <summary>One test's schema; dropping it (with every table in it) at the end.</summary>
internal sealed record TestSchema(string Name, string ConnectionString) : IAsyncDisposable
{
    internal PostgresStoreSettings Settings(double? agingRate, DateTimeOffset now) =>
        new(PostgresConnectionString.Parse(ConnectionString), agingRate, now);

    public async ValueTask DisposeAsync()
    {
        await using NpgsqlConnection connection = await PostgresServer.OpenAdminAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
