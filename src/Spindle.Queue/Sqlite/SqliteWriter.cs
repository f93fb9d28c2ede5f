using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// The process's one writer connection and the lock that serializes its write transactions. SQLite lets one
/// connection write at a time per database; in this process callers queue on <see cref="_gate"/>, across
/// processes BEGIN IMMEDIATE waits on the file lock (busy_timeout). Every write transaction is BEGIN IMMEDIATE:
/// it takes the write lock before its first read, so a read-then-write transaction can never fail half way
/// with SQLITE_BUSY as a deferred one can when another connection wrote in between.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    // Held for the whole of each write transaction; waited on by any thread that writes.
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Used only by the holder of _gate.
    private readonly SqliteConnection _connection;

    // Prepared statements by script name, reused across transactions; touched only by the holder of _gate.
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    // Written by DisposeAsync while holding _gate; read by writers while holding _gate.
    private bool _disposed;

    internal SqliteWriter(SqliteConnection connection) => _connection = connection;

    /// <summary>Runs <paramref name="work"/> in one BEGIN IMMEDIATE transaction and commits; any exception rolls it all back.</summary>
    internal async Task<T> WriteAsync<TState, T>(TState state, Func<Transaction, TState, T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using SqliteTransaction transaction = _connection.BeginTransaction(deferred: false);
            T result = work(new Transaction(this, transaction), state);
            transaction.Commit();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs statements outside a transaction: PRAGMAs that a transaction refuses, and reads that must not wait for the write lock (the schema version at open).</summary>
    internal async Task RunAsync(Action<SqliteConnection> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            work(_connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Waits for the transaction in progress, so the connection never closes under it.
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (SqliteCommand command in _commands.Values)
            {
                command.Dispose();
            }

            _commands.Clear();
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The open write transaction, handed to the work of <see cref="WriteAsync"/>.</summary>
    internal readonly struct Transaction
    {
        private readonly SqliteWriter _writer;
        private readonly SqliteTransaction _transaction;

        internal Transaction(SqliteWriter writer, SqliteTransaction transaction)
        {
            _writer = writer;
            _transaction = transaction;
        }

        /// <summary>The prepared command of <c>Sql/{script}.sql</c>, in this transaction, with no parameters yet.</summary>
        internal SqliteCommand Command(string script)
        {
            Debug.Assert(_writer._gate.CurrentCount == 0, "Commands are used only while the gate is held.");
            if (!_writer._commands.TryGetValue(script, out SqliteCommand? command))
            {
                command = _writer._connection.CreateCommand();
                command.CommandText = SqlScripts.Get(script);
                _writer._commands.Add(script, command);
            }

            command.Transaction = _transaction;
            command.Parameters.Clear();
            return command;
        }

        /// <summary>Runs SQL text that is not a cached statement (migrations).</summary>
        internal void ExecuteText(string sql)
        {
            using SqliteCommand command = _writer._connection.CreateCommand();
            command.Transaction = _transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}
