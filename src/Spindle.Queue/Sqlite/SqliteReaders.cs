using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Spindle.Queue.Sqlite;

/// <summary>
/// Read connections, separate from the writer so reads never queue behind writes (in WAL mode a reader sees
/// the last committed state and blocks nobody). A caller rents one for a single statement and gives it back.
/// </summary>
internal sealed class SqliteReaders(SqliteConnections connections) : IDisposable
{
    private const int MaxIdle = 4;

    // Idle connections; any thread takes or returns one. A rented connection belongs to one caller until returned.
    private readonly ConcurrentQueue<SqliteConnection> _idle = new();

    // How many connections sit in _idle (approximately, between the queue operation and the increment); Interlocked.
    private int _idleCount;

    // Set once by Dispose; read by every Read.
    private volatile bool _disposed;

    internal T Read<TState, T>(TState state, Func<SqliteConnection, TState, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SqliteConnection connection;
        if (_idle.TryDequeue(out SqliteConnection? idle))
        {
            Interlocked.Decrement(ref _idleCount);
            connection = idle;
        }
        else
        {
            connection = connections.OpenReader();
        }

        bool healthy = false;
        try
        {
            T result = work(connection, state);
            healthy = true;
            return result;
        }
        finally
        {
            Return(connection, healthy);
        }
    }

    private void Return(SqliteConnection connection, bool healthy)
    {
        if (healthy && !_disposed)
        {
            if (Interlocked.Increment(ref _idleCount) <= MaxIdle)
            {
                _idle.Enqueue(connection);

                // Dispose may have drained the queue between the check above and this enqueue.
                if (_disposed)
                {
                    Drain();
                }

                return;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        connection.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private void Drain()
    {
        while (_idle.TryDequeue(out SqliteConnection? connection))
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
        }
    }
}
