using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>
/// A waited-for job is dead: its last allowed attempt failed, or it failed in a way no retry fixes.
/// <see cref="RemoteTaskException.Failure"/> is the stored error.
/// </summary>
public sealed class JobDeadException : RemoteTaskException
{
    /// <summary>Creates the exception for a dead job.</summary>
    public JobDeadException(JobInfo job)
        : base(FailureOf(job), MessageOf(job))
    {
        Job = job;
    }

    /// <summary>The dead job, as it was read.</summary>
    public JobInfo Job { get; }

    private static TaskFailure FailureOf(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Error ?? new TaskFailure { Kind = TaskFailureKind.Lost, TaskKind = job.Kind, Message = "the job is dead and no error was recorded" };
    }

    private static string MessageOf(JobInfo job) =>
        $"Job {job.Id} ({job.Kind}) is dead after {job.Attempt} of {job.MaxAttempts} attempt(s): {FailureOf(job)}";
}
