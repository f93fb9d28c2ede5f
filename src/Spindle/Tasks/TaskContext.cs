using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Spindle.Tasks;

/// <summary>What a named-task handler gets besides its arguments: cancellation, the attempt number, for a durable
/// job its id and claim time, progress, a logger and the clock.</summary>
public sealed class TaskContext
{
    /// <summary>Creates a context; the pools and the queue create one per call, tests may too.</summary>
    /// <param name="kind">The kind string of the task.</param>
    /// <param name="cancellationToken">Signalled when the call is cancelled or runs past its deadline.</param>
    /// <param name="attempt">Which attempt this is, from 1.</param>
    /// <param name="jobId">The durable job's id, where there is one.</param>
    /// <param name="progress">Where progress reports go; <see langword="null"/> drops them.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nowhere.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> means <see cref="TimeProvider.System"/>.</param>
    /// <param name="attemptedAt">When the durable job's attempt was claimed, as the queue recorded it, where there is one.</param>
    public TaskContext(
        string kind,
        CancellationToken cancellationToken = default,
        int attempt = 1,
        string? jobId = null,
        IProgress<TaskProgress>? progress = null,
        ILogger? logger = null,
        TimeProvider? timeProvider = null,
        DateTimeOffset? attemptedAt = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        Kind = kind;
        CancellationToken = cancellationToken;
        Attempt = attempt;
        JobId = jobId;
        Progress = progress ?? NoProgress.Instance;
        Logger = logger ?? NullLogger.Instance;
        TimeProvider = timeProvider ?? TimeProvider.System;
        AttemptedAt = attemptedAt;
    }

    /// <summary>The kind string of the running task.</summary>
    public string Kind { get; }

    /// <summary>Signalled when the call is cancelled or runs past its deadline.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Which attempt this is, from 1; a handler with side effects can use it, with <see cref="JobId"/> and <see cref="AttemptedAt"/>, to stay idempotent.</summary>
    public int Attempt { get; }

    /// <summary>The durable job's id, or <see langword="null"/> for a pool call.</summary>
    public string? JobId { get; }

    /// <summary>
    /// When the durable job's attempt was claimed, as the queue recorded it (<c>JobInfo.AttemptedAt</c>), or
    /// <see langword="null"/> for a pool call. With <see cref="JobId"/> and <see cref="Attempt"/> it names this run:
    /// on PostgreSQL a server crash can forget a claim, and the job's next run then has the same attempt number.
    /// </summary>
    public DateTimeOffset? AttemptedAt { get; }

    /// <summary>Where the handler reports progress.</summary>
    public IProgress<TaskProgress> Progress { get; }

    /// <summary>The handler's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>The clock: handlers read time from here, so tests can fake it.</summary>
    public TimeProvider TimeProvider { get; }

    private sealed class NoProgress : IProgress<TaskProgress>
    {
        internal static readonly NoProgress Instance = new();

        public void Report(TaskProgress value)
        {
        }
    }
}
