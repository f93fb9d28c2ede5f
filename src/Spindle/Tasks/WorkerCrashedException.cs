namespace Spindle.Tasks;

/// <summary>
/// The worker process running a call died: it exited, was killed by a signal, called
/// <c>Environment.FailFast</c>, overflowed its stack or ran out of memory. Only the calls that worker held fail.
/// </summary>
public sealed class WorkerCrashedException : RemoteTaskException
{
    /// <summary>Creates the exception for a crash failure.</summary>
    public WorkerCrashedException(TaskFailure failure, bool isPoison = false)
        : base(failure, failure?.Message ?? string.Empty)
    {
        IsPoison = isPoison;
    }

    /// <summary>The exit code of the worker, when it exited rather than being killed by a signal.</summary>
    public int? ExitCode => Failure.ExitCode;

    /// <summary>The signal that killed the worker, when one did.</summary>
    public int? Signal => Failure.Signal;

    /// <summary>The likely reason, such as "stack overflow", where known.</summary>
    public string? Reason => Failure.Reason;

    /// <summary>Whether the call was marked poison: it killed workers several times in a row and fails at once.</summary>
    public bool IsPoison { get; }
}
