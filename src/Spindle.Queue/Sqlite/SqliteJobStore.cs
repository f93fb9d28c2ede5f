using Microsoft.Data.Sqlite;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// The embedded store: one SQLite file, shared safely by every process on one machine. WAL mode, one writer
/// connection per process with its writes serialized in-process (<see cref="SqliteWriter"/>), BEGIN IMMEDIATE
/// for every write transaction, separate read connections, and one short transaction per store call.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite does its I/O synchronously (its async methods only wrap it), so a store call runs on
/// the caller's thread; the only real wait, for the in-process write lock, is awaited.
/// </remarks>
internal sealed partial class SqliteJobStore : IJobStore
{
    private readonly SqliteWriter _writer;
    private readonly SqliteReaders _readers;
    private readonly TimeSpan _busyTimeout;

    private SqliteJobStore(string path, SqliteWriter writer, SqliteReaders readers, TimeSpan busyTimeout)
    {
        Path = path;
        _writer = writer;
        _readers = readers;
        _busyTimeout = busyTimeout;
    }

    /// <summary>The writer, for tests that look at its connection.</summary>
    internal SqliteWriter Writer => _writer;

    /// <summary>The database file's full path.</summary>
    internal string Path { get; }

    /// <summary>Opens (creating it if needed) the database file and applies pending migrations.</summary>
    internal static async Task<SqliteJobStore> OpenAsync(SqliteStoreSettings settings, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = System.IO.Path.GetFullPath(settings.Path);
        string? directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connections = new SqliteConnections(path, settings.BusyTimeout);
        var writer = new SqliteWriter(connections.OpenWriter());
        try
        {
            await SqliteMigrator.MigrateAsync(writer, path, settings.Now, cancellationToken).ConfigureAwait(false);
            if (settings.AgingRate is { } rate)
            {
                await writer.WriteAsync(rate, static (transaction, rate) =>
                    transaction.Command("settings_aging_rate_set").Bind("@aging_rate", rate).ExecuteNonQuery(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await writer.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new SqliteJobStore(path, writer, new SqliteReaders(connections), settings.BusyTimeout);
    }

    public Task<IReadOnlyList<JobInserted>> JobsInsert(JobsInsertParams parameters, CancellationToken cancellationToken) =>
        _writer.WriteAsync(parameters, static (transaction, parameters) =>
        {
            IReadOnlyList<JobInsert> jobs = parameters.Jobs;
            var inserted = new JobInserted[jobs.Count];
            int i = 0;
            while (i < inserted.Length)
            {
                // A stretch of jobs without a unique key goes in with one statement per chunk; a job with a key
                // goes alone, as it may find the job that holds its key instead.
                int end = SqliteJobInserts.StretchEnd(jobs, i);
                if (end - i > 1)
                {
                    SqliteJobInserts.InsertMany(transaction, jobs, i, end - i, parameters.Now, inserted);
                    i = end;
                    continue;
                }

                inserted[i] = InsertJob(transaction, jobs[i], parameters.Now)
                    ?? throw new InvalidOperationException($"Job {i} of the batch was neither inserted nor found by its unique key.");
                i++;
            }

            return (IReadOnlyList<JobInserted>)inserted;
        }, cancellationToken);

    public Task<JobInfo?> JobsGet(JobsGetParams parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_readers.Read(parameters, static (connection, parameters) =>
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = SqlScripts.Get("jobs_get");
            return SqliteJobRows.ReadAll(command.Bind("@id", parameters.Id)).FirstOrDefault();
        }));
    }

    public Task<JobPage> JobsList(JobsListParams parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_readers.Read(parameters, static (connection, parameters) =>
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = ListStatement(parameters);
            List<JobInfo> jobs = SqliteJobRows.ReadAll(command
                .Bind("@cursor", parameters.Cursor)
                .Bind("@queue", parameters.Queue)
                .Bind("@kind", parameters.Kind)
                .Bind("@limit", parameters.Limit));
            return new JobPage(jobs, jobs.Count == parameters.Limit ? jobs[^1].Id : null);
        }));
    }

    // A resting state's "state = 'dead'" implies jobs_queue_state's OR of the resting states (migration 004), so the
    // planner uses that index with no more said; the plan tests in SqliteJobStoreTests hold it to that.
    private static readonly JobsListStatements ListStatements = new(SqlScripts.Get("jobs_list"), Resting);

    /// <summary>Whether jobs_queue_state holds jobs in <paramref name="state"/> (in id order); the hot states go through their own indexes.</summary>
    private static bool Resting(JobState state) => state is not (JobState.Available or JobState.Running);

    /// <summary>jobs_list.sql with only the filters given, so the planner can use the indexes.</summary>
    internal static string ListStatement(JobsListParams parameters) => ListStatements.For(parameters);

    public Task<IReadOnlyList<QueueStats>> QueueStats(QueueStatsParams parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_readers.Read(parameters, static (connection, parameters) =>
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = SqlScripts.Get("queue_stats");
            command.Bind("@queue", parameters.Queue);
            using SqliteDataReader reader = command.ExecuteReader();
            var counts = new List<(string Queue, JobState State, long Count)>();
            while (reader.Read())
            {
                counts.Add((reader.GetString(0), JobStateNames.Parse(reader.GetString(1)), reader.GetInt64(2)));
            }

            return StoredRows.Stats(counts);
        }));
    }

    public async ValueTask DisposeAsync()
    {
        _readers.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Inserts one job, or finds the job that holds its unique key.</summary>
    private static JobInserted? InsertJob(SqliteWriter.Transaction transaction, JobInsert job, DateTimeOffset now)
    {
        SqliteCommand insert = transaction.Command("jobs_insert")
            .BindJob(job)
            .Bind("@unique_key", job.UniqueKey)
            .Bind("@now", now)
            .Bind("@run_at", job.RunAt)
            .Bind("@expires_at", job.ExpiresAt);
        return IdAndState(insert, created: true)
            ?? IdAndState(transaction.Command("jobs_get_by_unique_key").Bind("@unique_key", job.UniqueKey), created: false);
    }

    private static JobInserted? IdAndState(SqliteCommand command, bool created)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? new JobInserted(reader.GetInt64(0), JobStateNames.Parse(reader.GetString(1)), created, reader.GetString(2), reader.GetString(3)) : null;
    }
}
