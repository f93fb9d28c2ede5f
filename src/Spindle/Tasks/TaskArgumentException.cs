namespace Spindle.Tasks;

/// <summary>
/// A named task was refused before it ran: its kind is unknown, or its arguments are not valid JSON for the
/// kind's argument type. The message names the kind and the problem.
/// </summary>
public sealed class TaskArgumentException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public TaskArgumentException(string taskKind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        TaskKind = taskKind;
    }

    /// <summary>The kind string of the refused task.</summary>
    public string TaskKind { get; }
}
