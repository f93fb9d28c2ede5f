namespace Spindle.Tasks;

/// <summary>A named task ran past its deadline; the process running it was stopped.</summary>
public sealed class TaskTimeoutException : RemoteTaskException
{
    /// <summary>Creates the exception for a timeout failure.</summary>
    public TaskTimeoutException(TaskFailure failure)
        : base(failure, failure?.Message ?? string.Empty)
    {
    }
}
