namespace Spindle.Tasks;

/// <summary>
/// A named task failed in another process. <see cref="Failure"/> carries the remote exception's type,
/// message and stack trace, or how the process died.
/// </summary>
public class RemoteTaskException : Exception
{
    /// <summary>Creates the exception for a failure.</summary>
    public RemoteTaskException(TaskFailure failure)
        : base(failure?.ToString(), null)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public RemoteTaskException(TaskFailure failure, string message)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Failure = failure;
    }

    /// <summary>What went wrong, as a value.</summary>
    public TaskFailure Failure { get; }

    /// <summary>The stack trace on the side that failed, where there is one.</summary>
    public string? RemoteStackTrace => Failure.StackTrace;

    /// <inheritdoc/>
    public override string ToString() =>
        RemoteStackTrace is null ? base.ToString() : $"{base.ToString()}{Environment.NewLine}--- remote stack trace ---{Environment.NewLine}{RemoteStackTrace}";
}
