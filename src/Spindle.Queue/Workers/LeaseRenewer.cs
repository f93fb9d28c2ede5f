using Microsoft.Extensions.Logging;
using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>
/// Renews the leases of every held attempt each <see cref="QueueWorkerOptions.HeartbeatInterval"/> (a third of the
/// lease by default, so two heartbeats can fail before a lease runs out). An attempt the store no longer knows as
/// running, or whose lease will have run out before the next try because heartbeats keep failing, has its
/// handler cancelled; a job someone asked to cancel has its handler cancelled too.
/// </summary>
internal sealed class LeaseRenewer(IJobStore store, HeldJobs held, QueueWorkerOptions options, TimeProvider time, ILogger logger)
{
    // Made when the worker starts, not when the loop first runs: the first heartbeat is due one interval after the
    // start on the worker's clock, however late the loop's thread gets going. Disposed by RunAsync when it ends.
    private readonly PeriodicTimer _timer = new(options.EffectiveHeartbeat, time);

    internal async Task RunAsync(CancellationToken stop)
    {
        TimeSpan interval = options.EffectiveHeartbeat;
        using PeriodicTimer timer = _timer;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                if (options.Hooks?.BeforeHeartbeat is { } gate)
                {
                    await gate(stop).ConfigureAwait(false);
                }

                await RenewAsync(interval).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task RenewAsync(TimeSpan interval)
    {
        List<HeldJob> jobs = held.Snapshot();
        if (jobs.Count == 0)
        {
            return;
        }

        DateTimeOffset now = time.GetUtcNow();
        JobsHeartbeatResult result;
        try
        {
            result = await store.JobsHeartbeat(new JobsHeartbeatParams(jobs.ConvertAll(j => j.Lease), options.Lease, now, time), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WorkerLog.HeartbeatFailed(logger, jobs.Count, e);
            foreach (HeldJob job in jobs)
            {
                if (job.LeaseExpiresAt <= now + interval && job.Stop(JobStopReason.Lost))
                {
                    WorkerLog.LeaseLost(logger, job.Job.Id, job.Job.Attempt, "it could not be renewed before it ran out");
                }
            }

            return;
        }

        var byId = jobs.ToDictionary(j => j.Job.Id);
        foreach (long id in result.Extended)
        {
            byId[id].LeaseExpiresAt = now + options.Lease;
        }

        foreach (JobLease lost in result.Lost)
        {
            // Its outcome may have been written since the snapshot: then it is not lost, just finished.
            HeldJob job = byId[lost.Id];
            if (held.Contains(job) && job.Stop(JobStopReason.Lost))
            {
                WorkerLog.LeaseLost(logger, lost.Id, lost.Attempt, "the store no longer has it running for this attempt");
            }
        }

        foreach (long id in result.CancelRequested)
        {
            byId[id].Stop(JobStopReason.CancelRequested);
        }

        options.Hooks?.Heartbeat?.Invoke(result);
    }
}
