using Microsoft.Data.Sqlite;

namespace Spindle.Queue.Sqlite;

/// <summary>Opens connections to one database file, each set up for its role.</summary>
internal sealed class SqliteConnections(string path, TimeSpan busyTimeout)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        // The store keeps its own connections (one writer, a few readers); a pool behind them would only hide them.
        Pooling = false,
        // Microsoft.Data.Sqlite retries SQLITE_BUSY up to the command timeout; busy_timeout below does the real waiting.
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(busyTimeout.TotalSeconds)),
    }.ToString();

    /// <summary>The oldest SQLite the store's statements run on: <c>jsonb_each</c> came in 3.45.</summary>
    internal static readonly Version MinimumVersion = new(3, 45, 0);

    internal string Path => path;

    /// <summary>
    /// The process's one writer connection: WAL (readers never block the writer nor it them; set once, it
    /// stays in the file), synchronous=NORMAL (durable at each checkpoint, no fsync per commit; in WAL mode a
    /// crash of the process loses nothing, a power loss at most the last commits), and a busy timeout so a
    /// BEGIN IMMEDIATE waits for another process's write transaction instead of failing.
    /// </summary>
    internal SqliteConnection OpenWriter()
    {
        SqliteConnection connection = Open();
        try
        {
            // The bundled SQLite is new enough; another SQLitePCLRaw provider (the system's library) may not be.
            CheckVersion(Scalar<string>(connection, "SELECT sqlite_version();"), path);
            string mode = Scalar<string>(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite store '{path}': the database could not be switched to WAL mode (it is in '{mode}' mode); a file on a network share cannot be shared by processes safely.");
            }

            Execute(connection, "PRAGMA synchronous = NORMAL;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Refuses, saying why, an SQLite older than <see cref="MinimumVersion"/>.</summary>
    internal static void CheckVersion(string version, string path)
    {
        if (!Version.TryParse(version, out Version? parsed) || parsed < MinimumVersion)
        {
            throw new InvalidOperationException($"SQLite store '{path}': this process loaded SQLite {version}; the store needs {MinimumVersion.ToString(3)} or newer (JSONB functions).");
        }
    }

    /// <summary>A reader: query_only, so a slip cannot write outside the writer's lock.</summary>
    internal SqliteConnection OpenReader()
    {
        SqliteConnection connection = Open();
        Execute(connection, "PRAGMA query_only = 1;");
        return connection;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds};");

            // A statement's temporary tables and indices (the rows a RETURNING clause hands back, an IN list) in
            // memory instead of a temporary file (docs/benchmarks.md measures it).
            Execute(connection, "PRAGMA temp_store = MEMORY;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }
}
