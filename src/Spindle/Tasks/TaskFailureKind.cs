namespace Spindle.Tasks;

/// <summary>Why a named task failed.</summary>
public enum TaskFailureKind
{
    /// <summary>The handler threw an exception.</summary>
    Exception,

    /// <summary>The process running the task died (exit, signal, <c>Environment.FailFast</c>, stack overflow, out of memory).</summary>
    Crash,

    /// <summary>The task ran past its deadline and was stopped.</summary>
    Timeout,

    /// <summary>The task was cancelled.</summary>
    Cancelled,

    /// <summary>The task's outcome was lost (its worker went away without a trace).</summary>
    Lost,
}
