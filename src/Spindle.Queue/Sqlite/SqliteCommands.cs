using Microsoft.Data.Sqlite;

namespace Spindle.Queue.Sqlite;

/// <summary>Parameter binding in the store's one representation: times as Unix milliseconds, null as NULL.</summary>
internal static class SqliteCommands
{
    internal static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    internal static SqliteCommand Bind(this SqliteCommand command, string name, DateTimeOffset? value) =>
        command.Bind(name, value is { } time ? time.ToUnixTimeMilliseconds() : null);

    internal static SqliteCommand Bind(this SqliteCommand command, string name, TimeSpan? value) =>
        command.Bind(name, value is { } span ? (long)span.TotalMilliseconds : null);

    /// <summary>Binds what a job is (kind, queue, priority, arguments, attempts, timeout, backoff): the columns a job
    /// and a schedule's job template share.</summary>
    internal static SqliteCommand BindJob(this SqliteCommand command, Storage.JobInsert job) => command
        .BindAllButArguments(job)
        .Bind("@args", job.Arguments);

    /// <summary><see cref="BindJob"/> without the arguments: what the jobs of one <c>EnqueueMany</c> call share.</summary>
    internal static SqliteCommand BindAllButArguments(this SqliteCommand command, Storage.JobInsert job) => command
        .Bind("@kind", job.Kind)
        .Bind("@queue", job.Queue)
        .Bind("@priority", job.Priority)
        .Bind("@max_attempts", job.MaxAttempts)
        .Bind("@timeout_ms", job.Timeout)
        .Bind("@backoff_initial_ms", job.Backoff.Initial)
        .Bind("@backoff_max_ms", job.Backoff.Maximum)
        .Bind("@backoff_jitter", job.Backoff.Jitter);

    internal static DateTimeOffset Time(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
}
