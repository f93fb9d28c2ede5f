namespace Spindle.Pools;

/// <summary>Options of a <see cref="WorkerPool"/>; validated once by <see cref="WorkerPool.Create"/>.</summary>
public sealed record WorkerPoolOptions
{
    /// <summary>How many calls run at the same time.</summary>
    /// <value>Default <see cref="Environment.ProcessorCount"/>; 1 to 4096.</value>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>How many calls may wait to start; submitting waits while the queue is full.</summary>
    /// <value>Default 4096; 1 to 16,777,216.</value>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>
    /// Priority points a waiting call gains per second of waiting, so that no call starves behind a
    /// stream of more urgent ones. 0 gives strict priority.
    /// </summary>
    /// <value>Default 1.0; 0 to 1,000,000.</value>
    public double AgingRate { get; init; } = 1.0;

    /// <summary>Whether <see cref="WorkerPool.DisposeAsync"/> cancels calls that have not started
    /// (Python's <c>shutdown(cancel_futures=True)</c>) instead of running them first.</summary>
    /// <value>Default <see langword="false"/>: pending calls run before the pool is disposed.</value>
    public bool CancelPendingOnDispose { get; init; }

    /// <summary>A name for errors and metric tags.</summary>
    /// <value>Default <c>"default"</c>.</value>
    public string Name { get; init; } = "default";

    /// <summary>The clock for aging and wait-time measurements.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (MaxConcurrency is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "WorkerPoolOptions.MaxConcurrency must be between 1 and 4096.");
        }

        if (QueueCapacity is < 1 or > 16_777_216)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity, "WorkerPoolOptions.QueueCapacity must be between 1 and 16,777,216.");
        }

        if (!(AgingRate >= 0 && AgingRate <= 1_000_000))
        {
            throw new ArgumentOutOfRangeException(nameof(AgingRate), AgingRate, "WorkerPoolOptions.AgingRate must be between 0 (strict priority) and 1,000,000 points per second.");
        }

        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("WorkerPoolOptions.Name must be a non-empty name (it appears in errors and metric tags).", nameof(Name));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "WorkerPoolOptions.TimeProvider must not be null; TimeProvider.System is the default.");
        }
    }
}
