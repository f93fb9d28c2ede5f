using System.Text.Json.Serialization;

namespace Spindle.Tasks;

/// <summary>
/// A failure of a named task as a value: what went wrong, where, and for crashes how the process ended.
/// It crosses process boundaries as JSON, so a caller learns the remote exception's type, message and stack.
/// </summary>
public sealed record TaskFailure
{
    /// <summary>Why the task failed.</summary>
    public required TaskFailureKind Kind { get; init; }

    /// <summary>The task's kind string, such as <c>"images.resize"</c>.</summary>
    public required string TaskKind { get; init; }

    /// <summary>The full name of the exception type, for <see cref="TaskFailureKind.Exception"/>.</summary>
    public string? ErrorType { get; init; }

    /// <summary>A one-line description of the failure.</summary>
    public required string Message { get; init; }

    /// <summary>The remote stack trace, where there is one.</summary>
    public string? StackTrace { get; init; }

    /// <summary>The exit code of a crashed process, when it exited.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that killed a crashed process, when a signal did (9 for SIGKILL).</summary>
    public int? Signal { get; init; }

    /// <summary>The likely reason of a crash, such as "stack overflow" or "out of memory", where known.</summary>
    public string? Reason { get; init; }

    /// <summary>Describes an exception a handler threw.</summary>
    public static TaskFailure FromException(string taskKind, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        bool cancelled = exception is OperationCanceledException;
        return new TaskFailure
        {
            Kind = cancelled ? TaskFailureKind.Cancelled : TaskFailureKind.Exception,
            TaskKind = taskKind,
            ErrorType = exception.GetType().FullName,
            Message = exception.Message,
            StackTrace = exception.StackTrace,
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        TaskFailureKind.Exception => $"{ErrorType} in task '{TaskKind}': {Message}",
        _ => $"task '{TaskKind}' {Kind.ToString().ToLowerInvariant()}: {Message}",
    };
}

[JsonSerializable(typeof(TaskFailure))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
internal sealed partial class TaskFailureJson : JsonSerializerContext;
