using System.Diagnostics;

namespace Spindle.Processes;

/// <summary>Options of a <see cref="ProcessPool"/>; validated once by <see cref="ProcessPool.StartAsync"/>.</summary>
public sealed record ProcessPoolOptions
{
    /// <summary>How many worker processes run; each runs one call at a time.</summary>
    /// <value>Default <see cref="Environment.ProcessorCount"/>; 1 to 256.</value>
    public int WorkerCount { get; init; } = System.Environment.ProcessorCount;

    /// <summary>How many calls may wait for a worker; submitting waits while the queue is full.</summary>
    /// <value>Default 65,536; 1 to 16,777,216.</value>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>Priority points a waiting call gains per second of waiting; 0 gives strict priority.</summary>
    /// <value>Default 1.0; 0 to 1,000,000.</value>
    public double AgingRate { get; init; } = 1.0;

    /// <summary>How long one call may run; past it the worker is killed and replaced and the call fails with
    /// <see cref="Tasks.TaskTimeoutException"/>. A map chunk of n items gets n times this. <see langword="null"/> for no limit.</summary>
    /// <value>Default <see langword="null"/>; otherwise 1 ms to 24 hours.</value>
    public TimeSpan? CallTimeout { get; init; }

    /// <summary>How many times a call whose worker died is run again before it fails with
    /// <see cref="Tasks.WorkerCrashedException"/>. A retried call runs alone on its worker, so a second crash is surely its own.</summary>
    /// <value>Default 0: a crash fails the call at once; 0 to 100.</value>
    public int CrashRetries { get; init; }

    /// <summary>After this many crashes of the same call in a row, the call is poison: it fails at once, and
    /// the same kind with the same arguments submitted again fails without running.</summary>
    /// <value>Default 3; 1 to 100.</value>
    public int PoisonAfterCrashes { get; init; } = 3;

    /// <summary>Calls a worker answers before it is replaced (Python's <c>maxtasksperchild</c>); a map chunk counts as one.</summary>
    /// <value>Default <see langword="null"/> (never); otherwise 1 to 2^31−1.</value>
    public int? MaxCallsPerWorker { get; init; }

    /// <summary>The working set above which a worker is replaced once its current calls finish.</summary>
    /// <value>Default <see langword="null"/> (no limit); otherwise at least 16 MiB.</value>
    public long? MaxWorkerMemoryBytes { get; init; }

    /// <summary>A task kind every worker runs once before it takes calls (Python's <c>initializer</c>); its
    /// failure fails the worker's start.</summary>
    /// <value>Default <see langword="null"/> (none).</value>
    public string? InitializerKind { get; init; }

    /// <summary>The JSON arguments of <see cref="InitializerKind"/>.</summary>
    /// <value>Default <c>"null"</c>.</value>
    public string InitializerArguments { get; init; } = "null";

    /// <summary>How long a worker has to start and say hello (and run its initializer).</summary>
    /// <value>Default 30 seconds; 100 ms to 10 minutes.</value>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="ProcessPool.DisposeAsync"/> lets calls finish before it kills the workers.</summary>
    /// <value>Default 30 seconds; 0 to 1 hour.</value>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether <see cref="ProcessPool.DisposeAsync"/> cancels calls that have not been sent to a worker
    /// instead of running them first.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool CancelPendingOnDispose { get; init; }

    /// <summary>The largest JSON arguments or result of one call, in bytes; bigger ones are refused with a clear error.</summary>
    /// <value>Default 16 MiB; 1 KiB to 1 GiB.</value>
    public int MaxPayloadBytes { get; init; } = 16 << 20;

    /// <summary>Variables to set (or, with a <see langword="null"/> value, remove) in the workers' environment.</summary>
    /// <value>Default none.</value>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>The program to start as a worker: an executable, or a <c>.dll</c> run with <c>dotnet</c>. Its
    /// <c>Main</c> must begin with <see cref="ProcessWorker.RunIfRequested"/>.</summary>
    /// <value>Default <see langword="null"/>: this application, relaunched.</value>
    public string? WorkerProgram { get; init; }

    /// <summary>Command-line arguments for the worker program.</summary>
    /// <value>Default none.</value>
    public IReadOnlyList<string> WorkerArguments { get; init; } = [];

    /// <summary>The workers' scheduling priority. <see cref="ProcessPriorityClass.BelowNormal"/> keeps a machine
    /// whose every core computes responsive, and gives the pool's own threads (which feed the workers) a core
    /// the moment they wake; raising a priority above normal needs privileges and is ignored without them.</summary>
    /// <value>Default <see cref="ProcessPriorityClass.Normal"/>.</value>
    public ProcessPriorityClass WorkerPriority { get; init; } = ProcessPriorityClass.Normal;

    /// <summary>Where the workers' standard error lines go (their standard output goes there too).</summary>
    /// <value>Default <see langword="null"/>: written to this process's standard error, prefixed with the worker's number.</value>
    public Action<WorkerOutputLine>? OnWorkerOutput { get; init; }

    /// <summary>A name for errors.</summary>
    /// <value>Default <c>"default"</c>.</value>
    public string Name { get; init; } = "default";

    /// <summary>The clock for call timeouts, startup timeouts, the shutdown grace period and aging.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        Range(WorkerCount, 1, 256, nameof(WorkerCount));
        Range(QueueCapacity, 1, 16_777_216, nameof(QueueCapacity));
        if (!(AgingRate >= 0 && AgingRate <= 1_000_000))
        {
            throw new ArgumentOutOfRangeException(nameof(AgingRate), AgingRate, "ProcessPoolOptions.AgingRate must be between 0 (strict priority) and 1,000,000 points per second.");
        }

        if (CallTimeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(1) || timeout > TimeSpan.FromHours(24)))
        {
            throw new ArgumentOutOfRangeException(nameof(CallTimeout), CallTimeout, "ProcessPoolOptions.CallTimeout must be null (no limit) or between 1 ms and 24 hours.");
        }

        Range(CrashRetries, 0, 100, nameof(CrashRetries));
        Range(PoisonAfterCrashes, 1, 100, nameof(PoisonAfterCrashes));
        if (MaxCallsPerWorker is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxCallsPerWorker), MaxCallsPerWorker, "ProcessPoolOptions.MaxCallsPerWorker must be null (never recycle) or at least 1.");
        }

        if (MaxWorkerMemoryBytes is < 16L << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWorkerMemoryBytes), MaxWorkerMemoryBytes, "ProcessPoolOptions.MaxWorkerMemoryBytes must be null (no limit) or at least 16 MiB.");
        }

        if (StartupTimeout < TimeSpan.FromMilliseconds(100) || StartupTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(StartupTimeout), StartupTimeout, "ProcessPoolOptions.StartupTimeout must be between 100 ms and 10 minutes.");
        }

        if (ShutdownGracePeriod < TimeSpan.Zero || ShutdownGracePeriod > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownGracePeriod), ShutdownGracePeriod, "ProcessPoolOptions.ShutdownGracePeriod must be between 0 and 1 hour.");
        }

        Range(MaxPayloadBytes, 1024, 1 << 30, nameof(MaxPayloadBytes));
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("ProcessPoolOptions.Name must be a non-empty name (it appears in errors).", nameof(Name));
        }

        if (WorkerProgram is { Length: 0 })
        {
            throw new ArgumentException("ProcessPoolOptions.WorkerProgram must be null (relaunch this application) or a path.", nameof(WorkerProgram));
        }

        ArgumentNullException.ThrowIfNull(WorkerArguments, nameof(WorkerArguments));
        ArgumentNullException.ThrowIfNull(InitializerArguments, nameof(InitializerArguments));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (!Enum.IsDefined(WorkerPriority))
        {
            throw new ArgumentOutOfRangeException(nameof(WorkerPriority), WorkerPriority, "ProcessPoolOptions.WorkerPriority must be a ProcessPriorityClass value.");
        }
    }

    private static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"ProcessPoolOptions.{name} must be between {min:N0} and {max:N0}.");
        }
    }
}
