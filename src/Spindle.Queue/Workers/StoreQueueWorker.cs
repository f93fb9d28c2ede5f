using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// The <see cref="QueueWorker"/> over a store: the start/stop state. Start and stop are serialized by one gate,
/// so stop before start, double stop, and start and stop racing from many threads all end in a defined state.
/// </summary>
internal sealed class StoreQueueWorker : QueueWorker
{
    private readonly StoreJobQueue _queue;
    private readonly TaskCatalog _catalog;
    private readonly QueueWorkerOptions _options;
    private readonly bool _ownsQueue;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Written by StartAsync and StopAsync under _gate; read by IsRunning without it.
    private volatile WorkerRun? _run;

    // Set once by DisposeAsync under _gate; read by StartAsync and StopAsync.
    private volatile bool _disposed;

    internal StoreQueueWorker(StoreJobQueue queue, TaskCatalog catalog, QueueWorkerOptions options, bool ownsQueue)
    {
        _queue = queue;
        _catalog = catalog;
        _options = options;
        _ownsQueue = ownsQueue;
        _time = options.TimeProvider ?? queue.Options.TimeProvider;
        _logger = options.Logger ?? NullLogger.Instance;
        WorkerId = options.WorkerId ?? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Random.Shared.Next(0x10000):x4}");
    }

    public override string WorkerId { get; }

    public override bool IsRunning => _run is not null;

    public override async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is null)
            {
                _run = WorkerRun.Start(_queue.Store, _catalog, _options, WorkerId, _time, _logger);
                WorkerLog.Started(_logger, WorkerId, string.Join(", ", _options.Queues.Select(q => $"{q.Key} ({q.Value})")));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return;
        }

        // Waiting for the gate is not cancellable: a stop racing another one waits for it and then finds nothing to stop.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await StopRunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            await StopRunAsync(CancellationToken.None).ConfigureAwait(false);
            _disposed = true;
            if (_ownsQueue)
            {
                await _queue.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopRunAsync(CancellationToken cancellationToken)
    {
        if (_run is not { } run)
        {
            return;
        }

        await run.StopAsync(cancellationToken).ConfigureAwait(false);
        _run = null;
        WorkerLog.Stopped(_logger, WorkerId);
    }
}
