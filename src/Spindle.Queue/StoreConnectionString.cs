using System.Reflection;
using Spindle.Queue.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>
/// Picks and opens the store a connection string names by its scheme. Error messages name the scheme,
/// never the rest of the string: a connection string may carry credentials.
/// </summary>
internal static class StoreConnectionString
{
    internal static async Task<IJobStore> OpenAsync(string connectionString, JobQueueOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        int colon = connectionString.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon > 0 ? connectionString[..colon].Trim() : "";
        switch (scheme.ToLowerInvariant())
        {
            case "sqlite":
                string path = SqlitePath(connectionString[(colon + 1)..]);
                return await SqliteJobStore.OpenAsync(
                    new SqliteStoreSettings(path, options.BusyTimeout, options.AgingRate, options.TimeProvider.GetUtcNow()),
                    cancellationToken).ConfigureAwait(false);
            case "postgres" or "postgresql":
                return await OpenPostgresAsync(connectionString, options, cancellationToken).ConfigureAwait(false);
            case var _ when IsNpgsqlKeywordForm(connectionString):
                return await OpenPostgresAsync(connectionString, options, cancellationToken).ConfigureAwait(false);
            default:
                string named = scheme.Length > 0 && scheme.All(char.IsAsciiLetterOrDigit) ? $"unknown store scheme '{scheme}'" : "no store scheme";
                throw new ArgumentException(
                    $"The job store connection string has {named}: use sqlite:path/file.db, or postgres://user:password@host:port/database (or Npgsql's Host=...;Username=... form) with the Spindle.Queue.Postgres package.",
                    nameof(connectionString));
        }
    }

    /// <summary>
    /// Opens a PostgreSQL store through Spindle.Queue.Postgres, found by name: this assembly must not reference
    /// it (nor Npgsql), so an application that uses only SQLite carries neither. The opener is
    /// <c>Spindle.Queue.Postgres.PostgresStoreOpener.OpenAsync(string, JobQueueOptions, CancellationToken)</c>,
    /// named by a constant so that the trimmer sees (and keeps) it.
    /// </summary>
    private static Task<IJobStore> OpenPostgresAsync(string connectionString, JobQueueOptions options, CancellationToken cancellationToken)
    {
        Type? opener = Type.GetType(PostgresOpenerType, throwOnError: false);
        MethodInfo? open = opener?.GetMethod("OpenAsync", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public);
        if (open is null)
        {
            throw new NotSupportedException(
                "PostgreSQL job stores need the Spindle.Queue.Postgres package, which this application does not include: add it (dotnet add package Spindle.Queue.Postgres).");
        }

        var openAsync = open.CreateDelegate<Func<string, JobQueueOptions, CancellationToken, Task<IJobStore>>>();
        return openAsync(connectionString, options, cancellationToken);
    }

    private const string PostgresOpenerType = "Spindle.Queue.Postgres.PostgresStoreOpener, Spindle.Queue.Postgres";

    /// <summary>Npgsql's keyword form: <c>Host=...;Username=...</c> (a <c>Host</c> or <c>Server</c> keyword, no URL scheme).</summary>
    private static bool IsNpgsqlKeywordForm(string connectionString) =>
        !connectionString.Contains("://", StringComparison.Ordinal)
        && connectionString.Split(';').Any(part => part.Split('=')[0].Trim() is var key
            && (key.Equals("host", StringComparison.OrdinalIgnoreCase) || key.Equals("server", StringComparison.OrdinalIgnoreCase))
            && part.Contains('=', StringComparison.Ordinal));

    /// <summary>The file of <c>sqlite:path/file.db</c>; <c>sqlite:///abs/file.db</c> is accepted too.</summary>
    private static string SqlitePath(string rest)
    {
        string path = rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : rest;
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The SQLite connection string names no file: use sqlite:path/file.db.", "connectionString");
        }

        if (path.Contains(":memory:", StringComparison.OrdinalIgnoreCase) || path.Contains("mode=memory", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                "An in-memory SQLite database cannot be a job store: workers and clients open their own connections, so it must be a file (sqlite:path/file.db).",
                "connectionString");
        }

        return path;
    }
}
