using Npgsql;

namespace Spindle.Queue.Postgres;

/// <summary>
/// Maintenance leadership: of all the store instances on one database (and schema), the one whose connection
/// holds a session advisory lock runs rescue and prune. The lock lives as long as that connection: when the
/// leader's process dies or its connection breaks, PostgreSQL frees it and the next instance to ask takes over.
/// </summary>
internal sealed partial class PostgresJobStore
{
    // Serializes MaintenanceLeaderAcquire and DisposeAsync, which are the only users of _leader.
    private readonly SemaphoreSlim _leaderGate = new(1, 1);

    // Written and read under _leaderGate: the connection holding the lock while this instance leads.
    private NpgsqlConnection? _leader;

    /// <summary>
    /// Whether this instance leads maintenance now: a leader checks that its connection (and so its lock) is
    /// still alive; any other tries to take the lock, which succeeds only when no live session holds it.
    /// </summary>
    public async ValueTask<bool> MaintenanceLeaderAcquire(CancellationToken cancellationToken)
    {
        await _leaderGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_leader is not null)
            {
                try
                {
                    using var ping = new NpgsqlCommand("SELECT 1", _leader);
                    await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    // The session is gone, and the lock with it: try for it again like any other instance.
                    await _leader.DisposeAsync().ConfigureAwait(false);
                    _leader = null;
                }
            }

            NpgsqlConnection connection = await _sessionSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using NpgsqlCommand take = connection.Command("leader_try");
                if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                {
                    _leader = connection;
                    return true;
                }
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            _leaderGate.Release();
        }
    }

    /// <summary>Gives up leadership (closing the connection frees the lock for another instance).</summary>
    private async Task ResignAsync()
    {
        await _leaderGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_leader is not null)
            {
                try
                {
                    // Released before the connection closes: a closed connection's backend exits (and frees the
                    // lock) a moment later, and the next leader should not have to wait for that.
                    using NpgsqlCommand release = _leader.Command("leader_release");
                    await release.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    // The session is already gone, and the lock with it.
                }

                await _leader.DisposeAsync().ConfigureAwait(false);
                _leader = null;
            }
        }
        finally
        {
            _leaderGate.Release();
        }
    }
}
