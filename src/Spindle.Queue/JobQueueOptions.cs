namespace Spindle.Queue;

/// <summary>Options of a <see cref="JobQueue"/>; validated once by <see cref="JobQueue.OpenAsync"/>.</summary>
public sealed record JobQueueOptions
{
    /// <summary>The clock: run-at times, delays, expiry and waiting all read it.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The queue of jobs enqueued without <see cref="EnqueueOptions.Queue"/>.</summary>
    /// <value>Default <c>"default"</c>.</value>
    public string DefaultQueue { get; init; } = "default";

    /// <summary>Attempts a job gets when <see cref="EnqueueOptions.MaxAttempts"/> is not set.</summary>
    /// <value>Default 5; 1 to 1,000.</value>
    public int DefaultMaxAttempts { get; init; } = 5;

    /// <summary>The wait between attempts when <see cref="EnqueueOptions.Backoff"/> is not set.</summary>
    /// <value>Default <see cref="RetryBackoff.Default"/>: 1 s, doubling, at most 1 h, ±20%.</value>
    public RetryBackoff DefaultBackoff { get; init; } = RetryBackoff.Default;

    /// <summary>How long one attempt may run when <see cref="EnqueueOptions.Timeout"/> is not set.</summary>
    /// <value>Default <see langword="null"/>: the worker's own limit applies; 1 millisecond to 7 days.</value>
    public TimeSpan? DefaultTimeout { get; init; }

    /// <summary>
    /// Priority points a due job gains per second of waiting, so that nothing starves behind a stream of
    /// more urgent jobs (0 gives strict priority). It is stored in the database, because every client and
    /// worker of one database must rank jobs alike: setting it changes it for jobs that become due from then on.
    /// </summary>
    /// <value>Default <see langword="null"/>: keep the database's rate (1.0 for a new database); 0 to 1,000,000.</value>
    public double? AgingRate { get; init; }

    /// <summary>The largest arguments JSON a job may carry, in UTF-8 bytes; larger is refused at enqueue.</summary>
    /// <value>Default 1 MiB; 2 bytes to 64 MiB.</value>
    public int MaxArgumentsBytes { get; init; } = 1 << 20;

    /// <summary>The longest wait between two looks at a job that <see cref="JobHandle"/> waits for (the first waits are shorter).</summary>
    /// <value>Default 250 ms; 1 millisecond to 1 minute.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a write waits for another process's write transaction before it fails (SQLite's busy timeout).</summary>
    /// <value>Default 30 seconds; 1 millisecond to 10 minutes.</value>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "JobQueueOptions.TimeProvider must not be null; TimeProvider.System is the default.");
        }

        JobNames.ValidQueue(DefaultQueue, "JobQueueOptions.DefaultQueue", nameof(DefaultQueue));
        if (DefaultMaxAttempts is < 1 or > JobNames.MaxAttempts)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultMaxAttempts), DefaultMaxAttempts, "JobQueueOptions.DefaultMaxAttempts must be between 1 and 1,000.");
        }

        if (DefaultBackoff is null)
        {
            throw new ArgumentNullException(nameof(DefaultBackoff), "JobQueueOptions.DefaultBackoff must not be null; RetryBackoff.Default is the default.");
        }

        DefaultBackoff.Validate("JobQueueOptions.DefaultBackoff");
        if (DefaultTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(1) || timeout > JobNames.MaxTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultTimeout), timeout, "JobQueueOptions.DefaultTimeout must be between 1 millisecond and 7 days, or null.");
        }

        if (AgingRate is { } rate && !(rate >= 0 && rate <= 1_000_000))
        {
            throw new ArgumentOutOfRangeException(nameof(AgingRate), rate, "JobQueueOptions.AgingRate must be between 0 (strict priority) and 1,000,000 points per second, or null to keep the database's.");
        }

        if (MaxArgumentsBytes is < 2 or > 64 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxArgumentsBytes), MaxArgumentsBytes, "JobQueueOptions.MaxArgumentsBytes must be between 2 bytes and 64 MiB.");
        }

        if (PollInterval < TimeSpan.FromMilliseconds(1) || PollInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "JobQueueOptions.PollInterval must be between 1 millisecond and 1 minute.");
        }

        if (BusyTimeout < TimeSpan.FromMilliseconds(1) || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "JobQueueOptions.BusyTimeout must be between 1 millisecond and 10 minutes.");
        }
    }
}
