using Microsoft.Extensions.Logging;
using Spindle.Processes;

namespace Spindle.Queue;

/// <summary>Options of a <see cref="QueueWorker"/>; validated once by <see cref="QueueWorker.Create"/>.</summary>
public sealed record QueueWorkerOptions
{
    /// <summary>The queues served, each with how many of its jobs run at once in this worker.</summary>
    /// <value>Default <c>{ "default": 10 }</c>; 1 to 100 queues, each with a concurrency of 1 to 10,000.</value>
    public IReadOnlyDictionary<string, int> Queues { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal) { ["default"] = 10 };

    /// <summary>The worker's name, recorded on each job it claims.</summary>
    /// <value>Default <see langword="null"/>: the machine name, the process id and a random suffix.</value>
    public string? WorkerId { get; init; }

    /// <summary>How long a claimed job is held before another worker may rescue it, unless a heartbeat renews it.</summary>
    /// <value>Default 30 seconds; 100 milliseconds to 1 hour.</value>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the leases of held jobs are renewed.</summary>
    /// <value>Default <see langword="null"/>: a third of <see cref="Lease"/>; at most half of it.</value>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>The longest wait between two claims while a queue has nothing due.</summary>
    /// <value>Default 200 milliseconds; 1 millisecond to 1 minute.</value>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one attempt may run when its job has no <see cref="EnqueueOptions.Timeout"/>.</summary>
    /// <value>Default <see langword="null"/>: no limit; 1 millisecond to 7 days.</value>
    public TimeSpan? DefaultTimeout { get; init; }

    /// <summary>How long finished outcomes wait to be written together with others in one transaction.</summary>
    /// <value>Default 5 milliseconds; 0 (write whatever has gathered while the last write ran) to 1 second.</value>
    public TimeSpan CompletionDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The most outcomes written in one transaction.</summary>
    /// <value>Default 1,000; 1 to 100,000.</value>
    public int CompletionBatchSize { get; init; } = 1000;

    /// <summary>How long <see cref="QueueWorker.StopAsync"/> lets running jobs finish before it cancels them.</summary>
    /// <value>Default 30 seconds; 0 to 1 hour.</value>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether this worker runs maintenance: rescuing jobs whose lease ran out, pruning finished jobs and firing recurring-job schedules.</summary>
    /// <value>Default <see langword="true"/> (on SQLite every worker may run it: each pass is one short transaction).</value>
    public bool RunMaintenance { get; init; } = true;

    /// <summary>How often expired leases are looked for.</summary>
    /// <value>Default <see langword="null"/>: half of <see cref="Lease"/>, so a dead worker's jobs run again within 1.5 leases; 10 milliseconds to 1 hour.</value>
    public TimeSpan? RescueInterval { get; init; }

    /// <summary>How long finished jobs (and their results) are kept before they are pruned.</summary>
    /// <value>Default 1 day; 1 second to 3,650 days.</value>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How often finished jobs past <see cref="Retention"/> are pruned.</summary>
    /// <value>Default 1 minute; 10 milliseconds to 1 day.</value>
    public TimeSpan PruneInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the store's housekeeping runs: on SQLite a WAL checkpoint that copies the log into the database and truncates it, so the log stays small however long workers run.</summary>
    /// <value>Default 30 seconds; 10 milliseconds to 1 hour.</value>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the worker reloads recurring-job schedules (<see cref="JobQueue.SetScheduleAsync"/>) and fires moments it has not caught.</summary>
    /// <value>Default 10 seconds; 10 milliseconds to 1 hour. A schedule set or removed elsewhere takes effect here within this time.</value>
    public TimeSpan ScheduleRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs every job's handler on this pool's worker processes instead of in the worker's own process: isolation, so a
    /// crash, a stack overflow, a runaway loop or a leak kills or recycles one pool process, never the worker. A crashed
    /// attempt fails with the crash's exit code or signal and follows the job's retry policy. The caller starts the pool
    /// (its catalog must hold the kinds served), gives it at least as many workers as the queues' concurrency in all
    /// (checked), and disposes it after the worker. A handler sees the job's id and attempt in its <c>TaskContext</c>,
    /// and the pool never calls a job poison: retries are the job's own policy. A job's timeout or cancellation reaches the handler's token in the pool process; a handler
    /// that ignores its token is killed with its process a second after its timeout (a job without a timeout gets the
    /// pool's <see cref="ProcessPoolOptions.CallTimeout"/>).
    /// </summary>
    /// <value>Default <see langword="null"/>: handlers run in this process.</value>
    public ProcessPool? Processes { get; init; }

    /// <summary>The clock for leases, timeouts, backoff and polling.</summary>
    /// <value>Default <see langword="null"/>: the <see cref="JobQueueOptions.TimeProvider"/> of the queue.</value>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where the worker logs, and the logger handlers get in their <c>TaskContext</c>.</summary>
    /// <value>Default <see langword="null"/>: nowhere.</value>
    public ILogger? Logger { get; init; }

    /// <summary>Test hooks; nothing in production sets them.</summary>
    internal WorkerHooks? Hooks { get; init; }

    internal TimeSpan EffectiveHeartbeat => HeartbeatInterval ?? Lease / 3;

    internal TimeSpan EffectiveRescue => RescueInterval ?? Lease / 2;

    internal void Validate()
    {
        if (Queues is null || Queues.Count is 0 or > 100)
        {
            throw new ArgumentException("QueueWorkerOptions.Queues must name 1 to 100 queues, each with its concurrency.", nameof(Queues));
        }

        foreach ((string queue, int concurrency) in Queues)
        {
            JobNames.ValidQueue(queue, "A queue of QueueWorkerOptions.Queues", nameof(Queues));
            if (concurrency is < 1 or > 10_000)
            {
                throw new ArgumentOutOfRangeException(nameof(Queues), concurrency, $"QueueWorkerOptions.Queues: the concurrency of queue '{queue}' must be between 1 and 10,000.");
            }
        }

        if (WorkerId is not null && (WorkerId.Length is 0 or > 200))
        {
            throw new ArgumentException("QueueWorkerOptions.WorkerId must be 1 to 200 characters, or null for a generated one.", nameof(WorkerId));
        }

        Range(Lease, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1), nameof(Lease), "100 milliseconds and 1 hour");
        if (HeartbeatInterval is { } heartbeat)
        {
            Range(heartbeat, TimeSpan.FromMilliseconds(1), Lease / 2, nameof(HeartbeatInterval), $"1 millisecond and half the lease ({Lease / 2}), or null");
        }

        Range(PollInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), nameof(PollInterval), "1 millisecond and 1 minute");
        if (DefaultTimeout is { } timeout)
        {
            Range(timeout, TimeSpan.FromMilliseconds(1), JobNames.MaxTimeout, nameof(DefaultTimeout), "1 millisecond and 7 days, or null");
        }

        Range(CompletionDelay, TimeSpan.Zero, TimeSpan.FromSeconds(1), nameof(CompletionDelay), "0 and 1 second");
        if (CompletionBatchSize is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(CompletionBatchSize), CompletionBatchSize, "QueueWorkerOptions.CompletionBatchSize must be between 1 and 100,000.");
        }

        Range(ShutdownGrace, TimeSpan.Zero, TimeSpan.FromHours(1), nameof(ShutdownGrace), "0 and 1 hour");
        if (RescueInterval is { } rescue)
        {
            Range(rescue, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), nameof(RescueInterval), "10 milliseconds and 1 hour, or null");
        }

        Range(Retention, TimeSpan.FromSeconds(1), TimeSpan.FromDays(3650), nameof(Retention), "1 second and 3,650 days");
        Range(PruneInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1), nameof(PruneInterval), "10 milliseconds and 1 day");
        if (Processes is { } pool && Queues.Values.Sum() > pool.WorkerCount)
        {
            throw new ArgumentException(
                $"QueueWorkerOptions.Processes has {pool.WorkerCount} worker processes, fewer than the {Queues.Values.Sum()} jobs the queues run at once: the others would wait in the pool with their timeouts running and away from other workers. Lower the queues' concurrency to at most {pool.WorkerCount} in all, or start the pool with more workers.",
                nameof(Processes));
        }

        Range(CheckpointInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), nameof(CheckpointInterval), "10 milliseconds and 1 hour");
        Range(ScheduleRefreshInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), nameof(ScheduleRefreshInterval), "10 milliseconds and 1 hour");
    }

    private static void Range(TimeSpan value, TimeSpan min, TimeSpan max, string name, string range)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"QueueWorkerOptions.{name} must be between {range}.");
        }
    }
}
