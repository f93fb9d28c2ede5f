using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>
/// The maintenance a worker runs beside its jobs: every <see cref="QueueWorkerOptions.RescueInterval"/> it takes
/// back running jobs whose lease ran out (their worker died or hung), and every
/// <see cref="QueueWorkerOptions.PruneInterval"/> it deletes jobs finished longer than
/// <see cref="QueueWorkerOptions.Retention"/> ago, so the hot table stays small; every
/// <see cref="QueueWorkerOptions.CheckpointInterval"/> it asks the store for its housekeeping (SQLite's WAL checkpoint). Each pass is one short
/// transaction of at most <see cref="PassLimit"/> rows, repeated while full; on SQLite every worker may run it.
/// </summary>
internal sealed class StoreMaintainer(IJobStore store, QueueWorkerOptions options, TimeProvider time, ILogger logger)
{
    internal const int PassLimit = 1000;

    // Made when the worker starts (see LeaseRenewer); each disposed by its loop when it ends.
    private readonly PeriodicTimer _rescueTimer = new(options.EffectiveRescue, time);
    private readonly PeriodicTimer _pruneTimer = new(options.PruneInterval, time);
    private readonly PeriodicTimer _checkpointTimer = new(options.CheckpointInterval, time);

    /// <summary>How long a checkpoint waits for other processes before it leaves the work to the next pass.</summary>
    internal static readonly TimeSpan CheckpointPatience = TimeSpan.FromMilliseconds(100);

    internal Task RunAsync(CancellationToken stop) => Task.WhenAll(
        EveryAsync(_rescueTimer, "rescue", RescueAsync, stop),
        EveryAsync(_pruneTimer, "prune", PruneAsync, stop),
        EveryAsync(_checkpointTimer, "checkpoint", CheckpointAsync, stop));

    internal async Task RescueAsync()
    {
        IReadOnlyList<JobRescued> rescued;
        do
        {
            rescued = await store.JobsRescue(new JobsRescueParams(time.GetUtcNow(), PassLimit), CancellationToken.None).ConfigureAwait(false);
            if (rescued.Count > 0)
            {
                WorkerLog.Rescued(logger, rescued.Count);
            }

            options.Hooks?.Rescued?.Invoke(rescued);
        }
        while (rescued.Count == PassLimit);
    }

    internal async Task PruneAsync()
    {
        int pruned;
        do
        {
            pruned = await store.JobsPrune(new JobsPruneParams(time.GetUtcNow() - options.Retention, PassLimit), CancellationToken.None).ConfigureAwait(false);
            options.Hooks?.Pruned?.Invoke(pruned);
        }
        while (pruned == PassLimit);
    }

    internal async Task CheckpointAsync()
    {
        StoreCheckpointed? done = await store.StoreCheckpoint(new StoreCheckpointParams(CheckpointPatience), CancellationToken.None).ConfigureAwait(false);
        if (done is { } checkpoint)
        {
            options.Hooks?.Checkpointed?.Invoke(checkpoint);
        }
    }

    private async Task EveryAsync(PeriodicTimer periodic, string pass, Func<Task> body, CancellationToken stop)
    {
        using PeriodicTimer timer = periodic;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                try
                {
                    // Only the elected leader runs a pass where the store elects one (PostgreSQL).
                    if (await store.MaintenanceLeaderAcquire(stop).ConfigureAwait(false))
                    {
                        await body().ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    WorkerLog.MaintenanceFailed(logger, pass, e);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
