using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spindle.Queue;
using Spindle.Tasks;

namespace Spindle.Cli.Queue;

/// <summary>Parsing of the queue commands' values and the JSON they print.</summary>
internal static class QueueCliText
{
    /// <summary><c>30s</c>, <c>500ms</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, or a .NET time span such as <c>00:00:30</c>.</summary>
    internal static TimeSpan ParseDuration(string text, string option)
    {
        string value = text.Trim();
        (string Suffix, Func<double, TimeSpan> Make)[] units =
        [
            ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes),
            ("h", TimeSpan.FromHours), ("d", TimeSpan.FromDays),
        ];
        foreach ((string suffix, Func<double, TimeSpan> make) in units)
        {
            if (value.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(value[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out double amount)
                && amount >= 0 && double.IsFinite(amount))
            {
                return make(amount);
            }
        }

        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out TimeSpan span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new QueueCliException(ExitCodes.Refused, $"{option} '{text}' is not a duration: use 30s, 500ms, 5m, 2h, 1d or hh:mm:ss.");
    }

    /// <summary>
    /// <c>emails:20,reports:2,default</c>: queue names, comma separated, each with its concurrency after a colon or
    /// <paramref name="defaultConcurrency"/> without one. A queue named twice is refused.
    /// </summary>
    internal static Dictionary<string, int> ParseQueues(string text, int defaultConcurrency)
    {
        var queues = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.IndexOf(':', StringComparison.Ordinal);
            string name = colon < 0 ? part : part[..colon].Trim();
            int concurrency = defaultConcurrency;
            if (colon >= 0 && !int.TryParse(part.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out concurrency))
            {
                throw new QueueCliException(ExitCodes.Refused, $"--queues '{part}': the concurrency after ':' must be a whole number, such as emails:20.");
            }

            if (!queues.TryAdd(name, concurrency))
            {
                throw new QueueCliException(ExitCodes.Refused, $"--queues names '{name}' twice; give each queue once, with its concurrency.");
            }
        }

        return queues.Count > 0 ? queues : throw new QueueCliException(ExitCodes.Refused, "--queues names no queue; give one or more, such as default or emails:20,reports:2.");
    }

    internal static DateTimeOffset ParseMoment(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset moment)
            ? moment
            : throw new QueueCliException(ExitCodes.Refused, $"{option} '{text}' is not an ISO 8601 date and time, such as 2026-01-31T09:00:00Z.");

    /// <summary>Checks that <paramref name="json"/> is one JSON value, with a message naming the option.</summary>
    internal static void CheckJson(string json, string option)
    {
        try
        {
            using JsonDocument _ = JsonDocument.Parse(json);
        }
        catch (JsonException exception)
        {
            throw new QueueCliException(ExitCodes.Refused, $"{option} is not valid JSON: {exception.Message}");
        }
    }

    internal static string ToJson(JobHandle handle) => new JsonObject
    {
        ["id"] = handle.Id,
        ["kind"] = handle.Kind,
        ["queue"] = handle.Queue,
        ["state"] = handle.State.ToString(),
        ["created"] = handle.Created,
    }.ToJsonString();

    internal static string ToJson(JobInfo job) => new JsonObject
    {
        ["id"] = job.Id,
        ["kind"] = job.Kind,
        ["queue"] = job.Queue,
        ["state"] = job.State.ToString(),
        ["priority"] = job.Priority,
        ["arguments"] = ParseOrString(job.Arguments),
        ["result"] = job.Result is null ? null : ParseOrString(job.Result),
        ["error"] = job.Error is null ? null : ToJson(job.Error),
        ["attempt"] = job.Attempt,
        ["maxAttempts"] = job.MaxAttempts,
        ["timeout"] = job.Timeout?.ToString("c", CultureInfo.InvariantCulture),
        ["uniqueKey"] = job.UniqueKey,
        ["createdAt"] = job.CreatedAt,
        ["runAt"] = job.RunAt,
        ["expiresAt"] = job.ExpiresAt,
        ["attemptedAt"] = job.AttemptedAt,
        ["attemptedBy"] = job.AttemptedBy,
        ["cancelRequestedAt"] = job.CancelRequestedAt,
        ["finishedAt"] = job.FinishedAt,
    }.ToJsonString();

    internal static string ToJson(JobScheduleInfo schedule) => new JsonObject
    {
        ["name"] = schedule.Name,
        ["cron"] = schedule.Cron,
        ["timeZone"] = schedule.TimeZone,
        ["kind"] = schedule.Kind,
        ["arguments"] = ParseOrString(schedule.Arguments),
        ["queue"] = schedule.Queue,
        ["priority"] = schedule.Priority,
        ["maxAttempts"] = schedule.MaxAttempts,
        ["timeout"] = schedule.Timeout?.ToString("c", CultureInfo.InvariantCulture),
        ["nextRunAt"] = schedule.NextRunAt,
        ["lastRunAt"] = schedule.LastRunAt,
        ["lastJobId"] = schedule.LastJobId,
        ["createdAt"] = schedule.CreatedAt,
        ["updatedAt"] = schedule.UpdatedAt,
    }.ToJsonString();

    internal static string ToJson(QueueStats stats)
    {
        var json = new JsonObject { ["queue"] = stats.Queue };
        foreach (JobState state in Enum.GetValues<JobState>())
        {
            json[JsonNamingPolicy.CamelCase.ConvertName(state.ToString())] = stats[state];
        }

        json["total"] = stats.Total;
        return json.ToJsonString();
    }

    private static JsonObject ToJson(TaskFailure failure) => new()
    {
        ["kind"] = failure.Kind.ToString(),
        ["message"] = failure.Message,
        ["errorType"] = failure.ErrorType,
        ["reason"] = failure.Reason,
        ["exitCode"] = failure.ExitCode,
        ["signal"] = failure.Signal,
        ["stackTrace"] = failure.StackTrace,
    };

    private static JsonNode? ParseOrString(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }
}
