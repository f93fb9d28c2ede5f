using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>A waited-for job was cancelled, or expired before it started.</summary>
public sealed class JobCancelledException : OperationCanceledException
{
    /// <summary>Creates the exception for a cancelled job.</summary>
    public JobCancelledException(JobInfo job)
        : base(MessageOf(job))
    {
        Job = job;
    }

    /// <summary>The cancelled job, as it was read.</summary>
    public JobInfo Job { get; }

    /// <summary>Why, where recorded (for example that it expired).</summary>
    public TaskFailure? Failure => Job.Error;

    private static string MessageOf(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Error is null ? $"Job {job.Id} ({job.Kind}) was cancelled." : $"Job {job.Id} ({job.Kind}) was cancelled: {job.Error.Message}";
    }
}
