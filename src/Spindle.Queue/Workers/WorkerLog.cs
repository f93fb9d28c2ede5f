using Microsoft.Extensions.Logging;

namespace Spindle.Queue;

/// <summary>Every message a <see cref="QueueWorker"/> logs, as source-generated logging calls.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(1, LogLevel.Information, "Queue worker {WorkerId} started on {Queues}.")]
    internal static partial void Started(ILogger logger, string workerId, string queues);

    [LoggerMessage(2, LogLevel.Information, "Queue worker {WorkerId} stopped.")]
    internal static partial void Stopped(ILogger logger, string workerId);

    [LoggerMessage(3, LogLevel.Warning, "Claiming jobs of queue {Queue} failed; trying again after the poll interval.")]
    internal static partial void ClaimFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Job {JobId} attempt {Attempt}: its completion was refused as stale (the job was rescued, cancelled or finished elsewhere, or a server crash forgot its claim); dropped.")]
    internal static partial void StaleCompletion(ILogger logger, long jobId, int attempt);

    [LoggerMessage(5, LogLevel.Warning, "Writing {Count} job outcomes failed; trying again (their leases are still renewed).")]
    internal static partial void CompleteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Job {JobId} attempt {Attempt} lost its lease ({Why}); its handler is cancelled and its outcome will not be recorded.")]
    internal static partial void LeaseLost(ILogger logger, long jobId, int attempt, string why);

    [LoggerMessage(7, LogLevel.Warning, "Renewing the leases of {Count} jobs failed.")]
    internal static partial void HeartbeatFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Queue maintenance ({Pass}) failed.")]
    internal static partial void MaintenanceFailed(ILogger logger, string pass, Exception exception);

    [LoggerMessage(9, LogLevel.Information, "Rescued {Count} jobs whose lease ran out.")]
    internal static partial void Rescued(ILogger logger, int count);

    [LoggerMessage(10, LogLevel.Warning, "Job {JobId} ({Kind}) refused: {Message}")]
    internal static partial void Refused(ILogger logger, long jobId, string kind, string message);

    [LoggerMessage(11, LogLevel.Warning, "Queue worker {WorkerId}: {Count} handlers ignored cancellation at shutdown; they are abandoned and their jobs will be rescued when their leases run out.")]
    internal static partial void Abandoned(ILogger logger, string workerId, int count);

    [LoggerMessage(12, LogLevel.Warning, "A queue worker gave up writing {Count} outcomes at shutdown; those jobs will be rescued when their leases run out.")]
    internal static partial void OutcomesDropped(ILogger logger, int count);

    [LoggerMessage(13, LogLevel.Information, "Schedule {Name} fired for {Occurrence:O}: job {JobId}.")]
    internal static partial void ScheduleFired(ILogger logger, string name, DateTimeOffset occurrence, long jobId);

    [LoggerMessage(14, LogLevel.Warning, "Schedule {Name} is in time zone '{Zone}', which this machine does not know; this worker leaves it to others.")]
    internal static partial void ScheduleZoneUnknown(ILogger logger, string name, string zone);

    [LoggerMessage(15, LogLevel.Warning, "Schedule {Name} cannot be read and is left alone: {Message}")]
    internal static partial void ScheduleUnreadable(ILogger logger, string name, string message);
}
