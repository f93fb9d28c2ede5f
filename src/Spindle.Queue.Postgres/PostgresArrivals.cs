using Npgsql;

namespace Spindle.Queue.Postgres;

/// <summary>
/// Listens on the store's notification channel (LISTEN) on a connection of its own and tells a worker which of
/// its queues got jobs. Only a hint: a notification sent while this connection was down is lost, so after every
/// reconnect every queue is reported once, and the worker keeps polling anyway.
/// </summary>
internal sealed class PostgresArrivals : IDisposable
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromSeconds(1);

    private readonly NpgsqlDataSource _source;
    private readonly string _channel;
    private readonly HashSet<string> _queues;
    private readonly Action<string> _onAvailable;
    private readonly TimeProvider _time;

    // Cancelled once by Dispose; read by the listening loop.
    private readonly CancellationTokenSource _stop = new();

    // Set once by the constructor; awaited by Dispose.
    private readonly Task _loop;

    internal PostgresArrivals(NpgsqlDataSource source, string channel, IReadOnlyList<string> queues, Action<string> onAvailable, TimeProvider time)
    {
        _source = source;
        _channel = channel;
        _queues = new HashSet<string>(queues, StringComparer.Ordinal);
        _onAvailable = onAvailable;
        _time = time;
        _loop = Task.Run(() => ListenAsync(_stop.Token));
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            // The loop ends within one wait: its only blocking calls take the token.
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // A failure of the loop was already a lost hint, nothing more.
        }

        _stop.Dispose();
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using NpgsqlConnection connection = await _source.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (_queues.Contains(e.Payload))
                    {
                        _onAvailable(e.Payload);
                    }
                };
                using (var listen = new NpgsqlCommand($"LISTEN \"{_channel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                // Jobs may have come while no one listened.
                foreach (string queue in _queues)
                {
                    _onAvailable(queue);
                }

                while (true)
                {
                    await connection.WaitAsync(stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                // The connection broke (a server restart, the network): listen again after a pause.
                try
                {
                    await Task.Delay(ReconnectPause, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
