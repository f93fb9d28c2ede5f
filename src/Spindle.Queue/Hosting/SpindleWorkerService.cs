using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// The hosted <see cref="QueueWorker"/>. The worker is created and started in <see cref="StartAsync"/>, so a bad
/// option or an unreadable store fails the host's start rather than a background task; it is stopped in
/// <see cref="StopAsync"/> with the host's token, so <c>HostOptions.ShutdownTimeout</c> cuts the grace period short.
/// Stop before start, a second stop, and start again after a stop are all allowed.
/// </summary>
internal sealed class SpindleWorkerService : BackgroundService, IAsyncDisposable
{
    private readonly SpindleWorkerOptions _options;
    private readonly IEnumerable<ITaskModule> _modules;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly JobQueue? _registeredQueue;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Written by the first StartAsync under _gate; read by StopAsync and DisposeAsync under _gate.
    private QueueWorker? _worker;

    // Written by DisposeAsync under _gate; read by StartAsync under _gate.
    private bool _disposed;

    public SpindleWorkerService(IServiceProvider services, IOptions<SpindleWorkerOptions> options, IEnumerable<ITaskModule> modules, ILoggerFactory? loggers = null)
    {
        _options = options.Value;
        _modules = modules;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Spindle.Queue.SpindleWorker");

        // Resolved here, not at start, so the container creates the queue before this service and therefore
        // disposes it after this service: the worker never outlives the queue it runs on.
        _registeredQueue = string.IsNullOrWhiteSpace(_options.Store) ? services.GetService<JobQueue>() : null;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _worker ??= await CreateWorkerAsync(cancellationToken).ConfigureAwait(false);
            await _worker.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Not cancellable: a stop racing a start waits for it, then stops what it started.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_worker is { IsRunning: true } worker)
            {
                HostingLog.Stopping(_logger, worker.WorkerId, _options.Worker.ShutdownGrace);
                await worker.StopAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The worker's loops run on their own; this only keeps the service alive until the host stops.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_worker is not null)
            {
                await _worker.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        base.Dispose();
    }

    // A container disposed synchronously still stops the worker and closes its store.
    public override void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<QueueWorker> CreateWorkerAsync(CancellationToken cancellationToken)
    {
        _options.Validate(_registeredQueue is not null, _modules.Any());
        var catalog = new TaskCatalog();
        foreach (ITaskModule module in _modules)
        {
            module.Register(catalog);
        }

        QueueWorkerOptions workerOptions = _options.Worker.Logger is null
            ? _options.Worker with { Logger = _loggers.CreateLogger("Spindle.Queue.QueueWorker") }
            : _options.Worker;
        return string.IsNullOrWhiteSpace(_options.Store)
            ? QueueWorker.Create(_registeredQueue!, catalog, workerOptions)
            : await QueueWorker.OpenAsync(_options.Store, catalog, workerOptions, cancellationToken).ConfigureAwait(false);
    }
}
