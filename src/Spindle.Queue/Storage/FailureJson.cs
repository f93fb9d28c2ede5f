using System.Text.Json;
using Spindle.Tasks;

namespace Spindle.Queue.Storage;

/// <summary>A stored error is a <see cref="TaskFailure"/> as JSON, the same shape processes exchange.</summary>
internal static class FailureJson
{
    internal static string Write(TaskFailure failure) => JsonSerializer.Serialize(failure, TaskFailureJson.Default.TaskFailure);

    /// <summary>Reads a stored error; one that does not parse still reaches the user, as its raw text.</summary>
    internal static TaskFailure? Read(string? json, string taskKind)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, TaskFailureJson.Default.TaskFailure);
        }
        catch (JsonException)
        {
            return new TaskFailure { Kind = TaskFailureKind.Exception, TaskKind = taskKind, Message = json };
        }
    }
}
