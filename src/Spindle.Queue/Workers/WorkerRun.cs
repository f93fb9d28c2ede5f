using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// One start-to-stop lifetime of a worker: the fetcher, the runners of each queue, the batch completer, the lease
/// renewer and the maintainer, and the order in which they stop.
/// </summary>
internal sealed class WorkerRun
{
    private readonly QueueWorkerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _workerId;
    private readonly HeldJobs _held = new();
    private readonly BatchCompleter _completer;

    // Each cancelled once by StopAsync, in this order; read by the loops they stop.
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _giveUpWriting = new();
    private readonly CancellationTokenSource _stopLoops = new();

    private readonly Task _fetcher;
    private readonly Task _runners;
    private readonly Task _completing;
    private readonly Task _renewer;
    private readonly Task _maintainer;

    private WorkerRun(IJobStore store, TaskCatalog catalog, QueueWorkerOptions options, string workerId, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _workerId = workerId;
        var lanes = options.Queues.Select(q => new QueueLane(q.Key, q.Value)).ToList();
        var slotFreed = new WakeSignal();
        var runner = new JobRunner(catalog, options, time, logger);
        _completer = new BatchCompleter(store, options, time, logger, _held.Release);

        _completing = Task.Run(() => _completer.RunAsync(_giveUpWriting.Token));
        var renewer = new LeaseRenewer(store, _held, options, time, logger);
        _renewer = Task.Run(() => renewer.RunAsync(_stopLoops.Token));
        StoreMaintainer? maintainer = options.RunMaintenance ? new StoreMaintainer(store, options, time, logger) : null;
        var fetcher = new JobFetcher(store, lanes, _held, slotFreed, options, workerId, time, logger);
        var firer = new ScheduleFirer(store, options, time, logger, () => fetcher.Wake());
        _maintainer = maintainer is null ? Task.CompletedTask : Task.WhenAll(
            Task.Run(() => maintainer.RunAsync(_stopLoops.Token)),
            Task.Run(() => firer.RunAsync(_stopLoops.Token)));
        _runners = Task.WhenAll(lanes.SelectMany(lane => Enumerable.Range(0, lane.Concurrency).Select(_ => Task.Run(() => RunLaneAsync(lane, runner, slotFreed)))));
        _fetcher = Task.Run(() => fetcher.RunAsync(_stopFetching.Token));

        // Where the store can say that jobs arrived (PostgreSQL: LISTEN/NOTIFY), an idle queue is claimed at once
        // instead of at its next poll.
        _arrivals = store.JobsAvailableListen(lanes.ConvertAll(l => l.Name), queue => fetcher.Wake(queue));
    }

    // Set once by the constructor; disposed by StopAsync once the fetcher has stopped.
    private readonly IDisposable? _arrivals;

    internal static WorkerRun Start(IJobStore store, TaskCatalog catalog, QueueWorkerOptions options, string workerId, TimeProvider time, ILogger logger) =>
        new(store, catalog, options, workerId, time, logger);

    // How long the last outcomes may take to write once a stop's token has fired.
    private static readonly TimeSpan FinalWriteBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Graceful stop: no more claims; running (and already claimed) jobs get <see cref="QueueWorkerOptions.ShutdownGrace"/>
    /// to finish, then their tokens are cancelled and they are handed back; every outcome is written; then the
    /// lease renewer and the maintainer stop. <paramref name="cancellationToken"/> cuts the grace period short.
    /// </summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopFetching.CancelAsync().ConfigureAwait(false);
        await _fetcher.ConfigureAwait(false);
        _arrivals?.Dispose();

        if (!await CompletesWithinAsync(_runners, _options.ShutdownGrace, cancellationToken).ConfigureAwait(false))
        {
            await _shutdown.CancelAsync().ConfigureAwait(false);

            // A handler that ignores its token is abandoned after one more lease: it must not hang the stop.
            // Its lease is not renewed once the renewer stops below, so its job is rescued.
            if (!await CompletesWithinAsync(_runners, _options.Lease, CancellationToken.None).ConfigureAwait(false))
            {
                WorkerLog.Abandoned(_logger, _workerId, _held.Count);
            }
        }

        // The last outcomes (including the hand-backs just made) are written even when the caller's token
        // has fired: it cut the grace period short, not the few milliseconds that record what happened. A
        // bounded wait all the same, so a locked database cannot hold the stop.
        _completer.Complete();
        TimeSpan writing = cancellationToken.IsCancellationRequested && _options.Lease > FinalWriteBound ? FinalWriteBound : _options.Lease;
        if (!await CompletesWithinAsync(_completing, writing, CancellationToken.None).ConfigureAwait(false))
        {
            await _giveUpWriting.CancelAsync().ConfigureAwait(false);
            await _completing.ConfigureAwait(false);
        }

        await _stopLoops.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_renewer, _maintainer).ConfigureAwait(false);

        // Runners abandoned above may still hold a token of _shutdown; cancelled token sources stay readable after disposal.
        _stopFetching.Dispose();
        _giveUpWriting.Dispose();
        _stopLoops.Dispose();
        _shutdown.Dispose();
    }

    private async Task RunLaneAsync(QueueLane lane, JobRunner runner, WakeSignal slotFreed)
    {
        await foreach (HeldJob held in lane.Ready.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            JobCompletion? completion = await runner.RunAsync(held, _shutdown.Token).ConfigureAwait(false);
            if (completion is null)
            {
                _held.Release(held);
            }
            else
            {
                try
                {
                    // Handing the outcome over before freeing the slot: a completer that falls behind slows claiming.
                    await _completer.AddAsync(held, completion).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    // Abandoned at shutdown and finished after the completer closed: its job is rescued.
                    _held.Release(held);
                }
            }

            lane.Return();
            slotFreed.Set();
            _options.Hooks?.SlotFreed?.Invoke(lane.Name);
        }
    }

    private async Task<bool> CompletesWithinAsync(Task task, TimeSpan within, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || within <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
        {
            return task.IsCompleted;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task timer = Task.Delay(within, _time, cancel.Token);
        await Task.WhenAny(task, timer).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);
        return task.IsCompleted;
    }
}
