using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>
/// Claims jobs in batches, one claim per queue with free slots, never more than its free slots: a worker holds
/// no job it cannot start now, so nothing it holds starves behind a long job (Celery's prefetch problem). A queue
/// whose claim came back short is left alone for <see cref="QueueWorkerOptions.PollInterval"/>; a full queue is
/// claimed again as soon as a runner frees a slot.
/// </summary>
internal sealed class JobFetcher(IJobStore store, IReadOnlyList<QueueLane> lanes, HeldJobs held, WakeSignal slotFreed, QueueWorkerOptions options, string workerId, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// Jobs may have become available in <paramref name="queue"/> (the store's hint) or, with none named, in every
    /// served queue (this process just enqueued some: a schedule fired): its lane is looked at now, idle or not.
    /// </summary>
    internal void Wake(string? queue = null)
    {
        foreach (QueueLane lane in lanes)
        {
            if (queue is null || lane.Name == queue)
            {
                lane.Wake();
            }
        }

        slotFreed.Set();
    }

    /// <summary>Claims until <paramref name="stop"/>; then completes every lane's buffer so the runners drain and end.</summary>
    internal async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Reset before looking at the free slots: a slot freed after the look still wakes the wait below.
                slotFreed.Reset();
                DateTimeOffset? wakeAt = null;
                foreach (QueueLane lane in lanes)
                {
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }

                    DateTimeOffset? laneWake = await ClaimAsync(lane).ConfigureAwait(false);
                    wakeAt = laneWake is null || (wakeAt is not null && wakeAt < laneWake) ? wakeAt : laneWake;
                }

                await WaitAsync(wakeAt, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (QueueLane lane in lanes)
            {
                lane.Ready.Writer.TryComplete();
            }
        }
    }

    /// <summary>Claims the lane's free slots if it is due; returns when it wants its next look (null: when a slot frees).</summary>
    private async Task<DateTimeOffset?> ClaimAsync(QueueLane lane)
    {
        int free = lane.Free;
        if (free <= 0)
        {
            return null;
        }

        DateTimeOffset now = time.GetUtcNow();
        if (!lane.TakeWake() && lane.IdleUntil > now)
        {
            return lane.IdleUntil;
        }

        IReadOnlyList<JobInfo> jobs;
        lane.TakeFreeInLock(); // forget what an earlier claim read
        if (options.Hooks?.BeforeClaim is { } beforeClaim)
        {
            await beforeClaim(free).ConfigureAwait(false);
        }

        try
        {
            // Never cancelled half way: a claim that committed must reach the lane, or its jobs would sit
            // leased to nobody until rescued.
            jobs = await store.JobsClaim(new JobsClaimParams(workerId, [lane.Name], free, options.Lease, now, time, lane.FreeSlots), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WorkerLog.ClaimFailed(logger, lane.Name, e);
            lane.IdleUntil = now + options.PollInterval;
            return lane.IdleUntil;
        }

        lane.Take(jobs.Count);
        options.Hooks?.Claimed?.Invoke(free, jobs.Count);
        foreach (JobInfo job in jobs)
        {
            var claimed = new HeldJob(job, now + options.Lease);
            // The store handed out a job this worker still holds: the earlier claim is gone. Its outcome may be written
            // already (a retry due at once, claimed again before the completer let go of it); else it was rescued, or,
            // with the same attempt number, forgotten by a PostgreSQL crash, and its outcome would be refused as stale.
            if (held.Add(claimed) is { } earlier && earlier.Stop(JobStopReason.Lost) && earlier.Job.Attempt == job.Attempt)
            {
                WorkerLog.LeaseLost(logger, job.Id, earlier.Job.Attempt, "the store handed it out again with the same attempt number: a server crash forgot its claim");
            }

            bool buffered = lane.Ready.Writer.TryWrite(claimed);
            Debug.Assert(buffered, "A lane's buffer holds its concurrency, and the fetcher claims at most its free slots.");
        }

        // The claim asked for the free slots as the store read them in its lock, never fewer than when it set out.
        if (jobs.Count < Math.Max(free, lane.TakeFreeInLock()))
        {
            // Short of what it asked for: the queue ran dry.
            lane.IdleUntil = now + options.PollInterval;
            return lane.IdleUntil;
        }

        // Full: the queue has more, so the lane is no longer idle. An earlier short claim set a poll time that a hint
        // has cut short; left standing, it would hold back the claims after this one, one claim per hint until then.
        lane.IdleUntil = DateTimeOffset.MinValue;
        return null;
    }

    private async Task WaitAsync(DateTimeOffset? wakeAt, CancellationToken stop)
    {
        Task freed = slotFreed.WaitAsync();
        if (wakeAt is null)
        {
            await freed.WaitAsync(stop).ConfigureAwait(false);
            return;
        }

        TimeSpan delay = wakeAt.Value - time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task timer = Task.Delay(delay, time, cancel.Token);
        await Task.WhenAny(freed, timer).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
    }
}
