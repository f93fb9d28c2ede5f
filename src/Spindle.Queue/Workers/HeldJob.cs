using Spindle.Queue.Storage;

namespace Spindle.Queue;

/// <summary>Why a held job's handler was told to stop (the first reason wins).</summary>
internal enum JobStopReason
{
    None,

    /// <summary>Its lease is gone (rescued or taken elsewhere) or could not be renewed: record nothing.</summary>
    Lost,

    /// <summary>Someone asked to cancel the job: record it as cancelled.</summary>
    CancelRequested,
}

/// <summary>
/// One attempt this worker holds a lease on, from its claim until its outcome is written (or dropped).
/// </summary>
internal sealed class HeldJob : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    // Written by Stop (the lease renewer, or the worker at shutdown), read by the job's runner: first write wins (Interlocked).
    private int _reason;

    internal HeldJob(JobInfo job, DateTimeOffset leaseExpiresAt)
    {
        Job = job;
        LeaseExpiresAt = leaseExpiresAt;
    }

    internal JobInfo Job { get; }

    internal JobLease Lease => new(Job.Id, Job.Attempt, Job.AttemptedAt);

    /// <summary>When the lease runs out as far as this worker knows. Written by the fetcher before the job is
    /// published to the registry, then only by the lease renewer; read only by the renewer.</summary>
    internal DateTimeOffset LeaseExpiresAt { get; set; }

    /// <summary>Signalled when the lease is lost or cancellation was asked for.</summary>
    internal CancellationToken StopToken => _stop.Token;

    internal JobStopReason Reason => (JobStopReason)Volatile.Read(ref _reason);

    /// <summary>Tells the handler to stop; returns whether this call set the reason.</summary>
    internal bool Stop(JobStopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)JobStopReason.None) != (int)JobStopReason.None)
        {
            return false;
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The outcome was written and the job released between the renewer's snapshot and this call.
        }

        return true;
    }

    public void Dispose() => _stop.Dispose();
}
