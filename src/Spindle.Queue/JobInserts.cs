using System.Buffers;
using System.Text;
using System.Text.Json;
using Spindle.Queue.Storage;
using Spindle.Tasks;

namespace Spindle.Queue;

/// <summary>Turns what a caller enqueues into a validated <see cref="JobInsert"/> with every default applied.</summary>
internal static class JobInserts
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(3650);

    /// <param name="kind">The kind string.</param>
    /// <param name="arguments">The arguments JSON.</param>
    /// <param name="argumentsAreJson">Whether a codec produced the arguments (so they need no syntax check).</param>
    /// <param name="options">The caller's options.</param>
    /// <param name="defaults">The queue's options.</param>
    /// <param name="now">The enqueue time.</param>
    internal static JobInsert Build(string kind, string arguments, bool argumentsAreJson, EnqueueOptions? options, JobQueueOptions defaults, DateTimeOffset now)
    {
        TaskCatalog.ValidKind(kind);
        ArgumentNullException.ThrowIfNull(arguments);
        CheckArguments(kind, arguments, argumentsAreJson, defaults.MaxArgumentsBytes);
        options ??= Empty;

        string queue = options.Queue is null ? defaults.DefaultQueue : JobNames.ValidQueue(options.Queue, "EnqueueOptions.Queue", nameof(EnqueueOptions.Queue));
        if (options.Priority is < EnqueueOptions.MinPriority or > EnqueueOptions.MaxPriority)
        {
            throw new ArgumentOutOfRangeException(nameof(EnqueueOptions.Priority), options.Priority, "EnqueueOptions.Priority must be between -1,000,000 and 1,000,000.");
        }

        if (options.RunAt is not null && options.Delay is not null)
        {
            throw new ArgumentException("EnqueueOptions.RunAt and EnqueueOptions.Delay cannot both be set: give the moment (RunAt) or the wait from now (Delay).", nameof(EnqueueOptions.Delay));
        }

        if (options.Delay is { } delay && (delay < TimeSpan.Zero || delay > MaxDelay))
        {
            throw new ArgumentOutOfRangeException(nameof(EnqueueOptions.Delay), delay, "EnqueueOptions.Delay must be between 0 and 3,650 days.");
        }

        DateTimeOffset runAt = options.RunAt ?? now + (options.Delay ?? TimeSpan.Zero);
        if (options.ExpiresAt is { } expiresAt && (expiresAt <= now || expiresAt <= runAt))
        {
            throw new ArgumentOutOfRangeException(nameof(EnqueueOptions.ExpiresAt), expiresAt, $"EnqueueOptions.ExpiresAt must be later than now ({now:O}) and than the run-at time ({runAt:O}).");
        }

        int maxAttempts = options.MaxAttempts ?? defaults.DefaultMaxAttempts;
        if (maxAttempts is < 1 or > JobNames.MaxAttempts)
        {
            throw new ArgumentOutOfRangeException(nameof(EnqueueOptions.MaxAttempts), maxAttempts, "EnqueueOptions.MaxAttempts must be between 1 and 1,000.");
        }

        RetryBackoff backoff = options.Backoff ?? defaults.DefaultBackoff;
        backoff.Validate("EnqueueOptions.Backoff");
        TimeSpan? timeout = options.Timeout ?? defaults.DefaultTimeout;
        if (timeout is { } limit && (limit < TimeSpan.FromMilliseconds(1) || limit > JobNames.MaxTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(EnqueueOptions.Timeout), limit, "EnqueueOptions.Timeout must be between 1 millisecond and 7 days.");
        }

        if (options.UniqueKey is { Length: 0 or > JobNames.MaxUniqueKeyLength })
        {
            throw new ArgumentException("EnqueueOptions.UniqueKey must be 1 to 500 characters, or null for none.", nameof(EnqueueOptions.UniqueKey));
        }

        return new JobInsert(kind, queue, arguments, options.Priority, runAt, options.ExpiresAt, maxAttempts, timeout, backoff, options.UniqueKey);
    }

    private static readonly EnqueueOptions Empty = new();

    private static void CheckArguments(string kind, string arguments, bool argumentsAreJson, int maxBytes)
    {
        int length = Encoding.UTF8.GetByteCount(arguments);
        if (length > maxBytes)
        {
            throw new ArgumentException($"The arguments of a '{kind}' job are {length:N0} bytes of JSON; JobQueueOptions.MaxArgumentsBytes allows {maxBytes:N0}.", nameof(arguments));
        }

        if (argumentsAreJson)
        {
            return;
        }

        byte[] utf8 = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = Encoding.UTF8.GetBytes(arguments, utf8);
            var reader = new Utf8JsonReader(utf8.AsSpan(0, written));
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The arguments of a '{kind}' job are not valid JSON: {e.Message}", nameof(arguments), e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }
}
