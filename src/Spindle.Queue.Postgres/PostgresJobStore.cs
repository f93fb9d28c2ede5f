using Npgsql;
using Spindle.Queue.Storage;

namespace Spindle.Queue.Postgres;

/// <summary>
/// The scale-out store: one PostgreSQL database shared by workers on many machines. Every store call is one
/// round trip where it can be (a statement, or several sent together, which PostgreSQL runs as one implicit
/// transaction), on a pooled connection. Claims lock with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent
/// workers never wait for each other's rows; maintenance runs on one leader chosen by an advisory lock.
/// </summary>
internal sealed partial class PostgresJobStore : IJobStore
{
    // Immutable after open; NpgsqlDataSource is thread-safe.
    private readonly NpgsqlDataSource _source;

    // Immutable after open: leases by the server's clock (PostgresStoreSettings.DatabaseClock).
    private readonly bool _databaseClock;

    // Immutable after open.
    private readonly TimeProvider _time;

    // Written once by OpenAsync before the store is handed out: the notification channel of the store's schema
    // (current_schema.sql names it).
    private string _channel = "";

    // Immutable after open: unpooled connections for session state (the leader's lock, a listener's LISTEN), so
    // that closing one really ends its session, and no pool hands it to other work or resets it.
    private readonly NpgsqlDataSource _sessionSource;

    // 1 once DisposeAsync has begun; written by Interlocked, so a second dispose does nothing.
    private int _disposed;

    private PostgresJobStore(NpgsqlDataSource source, NpgsqlDataSource sessionSource, PostgresStoreSettings settings)
    {
        _source = source;
        _databaseClock = settings.DatabaseClock;
        _time = settings.Time ?? TimeProvider.System;
        _sessionSource = sessionSource;
    }

    /// <summary>The schema of the store's tables; written once by OpenAsync before the store is handed out.</summary>
    internal string Schema { get; private set; } = "";

    /// <summary>Server-side TCP keepalives for every session of the store (seconds, then the unacknowledged-data limit in ms).</summary>
    internal const string ServerKeepalives = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 -c tcp_user_timeout=30000";

    /// <summary>The pool of the store's sessions, for tests that look at their plans.</summary>
    internal NpgsqlDataSource Source => _source;

    /// <summary>Connects, brings the schema up to date (once, under an advisory lock), and sets the aging rate if given.</summary>
    internal static async Task<PostgresJobStore> OpenAsync(PostgresStoreSettings settings, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnectionStringBuilder(settings.Connection.ConnectionString);

        // The store sends the same few statements all day: prepared once per connection, PostgreSQL stops parsing
        // and planning them on every call. No session state is left on a pooled connection, so resetting it on
        // every return to the pool would be a wasted round trip (and would drop those prepared statements).
        if (connection.MaxAutoPrepare == 0)
        {
            connection.MaxAutoPrepare = 32;
        }

        connection.NoResetOnClose = true;

        // A client machine that vanishes (power, a cut network) sends no FIN: without keepalives the server keeps its
        // sessions, and the maintenance leader's advisory lock with them, for the kernel's two hours. With these it
        // notices within about half a minute and the next worker leads. The application's own options come after
        // ours, so they win.
        connection.Options = (ServerKeepalives + " " + connection.Options).Trim();
        string description = PostgresConnectionString.Describe(connection);
        NpgsqlDataSource source = CreateSource(connection);

        // The session connections (the leader's lock, the listener) sit idle for long: Npgsql's keepalive queries on
        // them notice a server or network that is gone, so the listener reconnects instead of waiting forever.
        var session = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false };
        if (session.KeepAlive == 0)
        {
            session.KeepAlive = 10;
        }

        var store = new PostgresJobStore(source, CreateSource(session), settings);
        try
        {
            (store.Schema, store._channel) = await PostgresMigrator.MigrateAsync(source, description, settings.Now, cancellationToken).ConfigureAwait(false);
            if (settings.AgingRate is { } rate)
            {
                // Writers still inside a transaction that ranks jobs under the old rate (an enqueue in an application's
                // transaction, a failed completion, a rescue) would commit after the re-rank and keep their old ranks:
                // the lock waits for them to finish, and holds new ones back for the moment the re-rank takes.
                using NpgsqlConnection open = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                using NpgsqlTransaction transaction = await open.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                using (NpgsqlCommand block = open.Command("jobs_lock_for_rerank", transaction))
                {
                    await block.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using (NpgsqlCommand set = open.Command("settings_aging_rate_set", transaction).Bind("aging_rate", rate))
                {
                    await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return store;
    }

    /// <summary>
    /// A data source that knows only the types the store's statements use: PostgreSQL's built-in ones and arrays of
    /// them. Npgsql otherwise reads the server's whole type catalog on each data source's first connection (two per
    /// worker process), and registers converters for JSON, ranges and the rest that no statement here needs. The slim
    /// builder leaves TLS and Kerberos/GSS login out unless asked: both are asked for, so <c>sslmode</c>, channel
    /// binding and integrated security work as they do on any Npgsql connection (TLS when the server offers it).
    /// </summary>
    internal static NpgsqlDataSource CreateSource(NpgsqlConnectionStringBuilder connection)
    {
        var builder = new NpgsqlSlimDataSourceBuilder(connection.ConnectionString);
        builder.EnableArrays();
        builder.EnableTransportSecurity();
        builder.EnableIntegratedSecurity();
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return builder.Build();
    }

    public async Task<JobInfo?> JobsGet(JobsGetParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using NpgsqlCommand command = connection.Command("jobs_get").Bind("id", parameters.Id);
        return (await PostgresJobRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    private static readonly JobsListStatements ListStatements = new(PostgresSql.Get("jobs_list"));

    /// <summary>The listing statement the store sends for these parameters (tests look at its plan).</summary>
    internal static string ListStatement(JobsListParams parameters) => ListStatements.For(parameters);

    public async Task<JobPage> JobsList(JobsListParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = new NpgsqlCommand(ListStatement(parameters), connection);
        if (parameters.Cursor is { } cursor)
        {
            command.Bind("cursor", cursor);
        }

        if (parameters.Queue is { } queue)
        {
            command.Bind("queue", queue);
        }

        if (parameters.Kind is { } kind)
        {
            command.Bind("kind", kind);
        }

        command.Bind("limit", parameters.Limit);
        List<JobInfo> jobs = await PostgresJobRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        return new JobPage(jobs, jobs.Count == parameters.Limit ? jobs[^1].Id : null);
    }

    public async Task<IReadOnlyList<QueueStats>> QueueStats(QueueStatsParams parameters, CancellationToken cancellationToken)
    {
        using NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // A statement per shape: "@queue IS NULL OR queue = @queue" would hide the index from a generic plan.
        using NpgsqlCommand command = parameters.Queue is { } queue
            ? connection.Command("queue_stats_of_queue").Bind("queue", queue)
            : connection.Command("queue_stats");
        using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new List<(string Queue, JobState State, long Count)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts.Add((reader.GetString(0), JobStateNames.Parse(reader.GetString(1)), reader.GetInt64(2)));
        }

        return StoredRows.Stats(counts);
    }

    public IDisposable? JobsAvailableListen(IReadOnlyList<string> queues, Action<string> onAvailable) =>
        new PostgresArrivals(_sessionSource, _channel, queues, onAvailable, _time);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await ResignAsync().ConfigureAwait(false);
        await _sessionSource.DisposeAsync().ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
        _leaderGate.Dispose();
    }
}
