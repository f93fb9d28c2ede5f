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
                throw new NotSupportedException(
                    "PostgreSQL job stores are not available yet: they come with the PostgreSQL store (Spindle.Queue.Postgres), the next milestone. Use an embedded store, sqlite:path/file.db, for now.");
            default:
                string named = scheme.Length > 0 && scheme.All(char.IsAsciiLetterOrDigit) ? $"unknown store scheme '{scheme}'" : "no store scheme";
                throw new ArgumentException(
                    $"The job store connection string has {named}: use sqlite:path/file.db (PostgreSQL, postgres://..., comes with the next milestone).",
                    nameof(connectionString));
        }
    }

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
