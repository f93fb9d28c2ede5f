using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// Runs queued jobs: claims them from named queues, a set number at a time per queue, runs each through its
/// kind's handler in the <see cref="TaskCatalog"/>, and records the outcome, with leases renewed by heartbeat,
/// per-job timeouts, retries with backoff, and maintenance (rescue of expired leases, pruning). A separate role
/// from the <see cref="JobQueue"/> client. Start and stop it as often as needed; stopping is graceful.
/// </summary>
/// <example>
/// <code>
/// await using JobQueue queue = await JobQueue.OpenAsync("sqlite:.spindle/queue.db");
/// await using QueueWorker worker = QueueWorker.Create(queue, catalog, new QueueWorkerOptions { Queues = new Dictionary&lt;string, int&gt; { ["media"] = 4 } });
/// await worker.RunAsync(stoppingToken);   // or StartAsync / StopAsync
/// </code>
/// </example>
public abstract class QueueWorker : IAsyncDisposable
{
    private protected QueueWorker()
    {
    }

    /// <summary>The name this worker records on the jobs it claims.</summary>
    public abstract string WorkerId { get; }

    /// <summary>Whether the worker has been started and not stopped.</summary>
    public abstract bool IsRunning { get; }

    /// <summary>
    /// Creates a worker for the store <paramref name="queue"/> is open on; the queue stays the caller's to dispose
    /// (after the worker). The catalog is frozen: register every kind first.
    /// </summary>
    /// <exception cref="ArgumentException">An option is not valid.</exception>
    public static QueueWorker Create(JobQueue queue, TaskCatalog catalog, QueueWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new QueueWorkerOptions();
        options.Validate();
        if (queue is not StoreJobQueue store)
        {
            throw new ArgumentException("The job queue must come from JobQueue.OpenAsync.", nameof(queue));
        }

        catalog.Freeze();
        return new StoreQueueWorker(store, catalog, options, ownsQueue: false);
    }

    /// <summary>Opens the store a connection string names (see <see cref="JobQueue.OpenAsync"/>) for a worker of its own, closed with it.</summary>
    /// <exception cref="ArgumentException">The connection string or an option is not valid.</exception>
    public static async Task<QueueWorker> OpenAsync(string connectionString, TaskCatalog catalog, QueueWorkerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new QueueWorkerOptions();
        options.Validate();
        JobQueue queue = await JobQueue.OpenAsync(connectionString, new JobQueueOptions { TimeProvider = options.TimeProvider ?? TimeProvider.System }, cancellationToken).ConfigureAwait(false);
        catalog.Freeze();
        return new StoreQueueWorker((StoreJobQueue)queue, catalog, options, ownsQueue: true);
    }

    /// <summary>Starts claiming and running jobs; returns once the worker's loops are started. A no-op when already running.</summary>
    /// <exception cref="ObjectDisposedException">The worker was disposed.</exception>
    public abstract Task StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops gracefully: no more claims, running jobs get <see cref="QueueWorkerOptions.ShutdownGrace"/> to finish,
    /// then their tokens are cancelled and they are handed back; every outcome is written. A no-op when not running.
    /// </summary>
    /// <param name="cancellationToken">Cuts the grace period short (running jobs are cancelled at once).</param>
    public abstract Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs until <paramref name="stoppingToken"/> is signalled, then stops gracefully: the shape of a console worker.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await StartAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Stops the worker gracefully if it runs, and closes the store if the worker opened it.</summary>
    public abstract ValueTask DisposeAsync();
}
