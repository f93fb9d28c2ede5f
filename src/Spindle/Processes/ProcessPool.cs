using System.Text.Json;
using Spindle.Pools;
using Spindle.Tasks;

namespace Spindle.Processes;

/// <summary>
/// A pool of worker processes running named tasks: what Python's <c>multiprocessing.Pool</c> and
/// <c>ProcessPoolExecutor</c> do, without their hangs. A worker that dies (exit, signal,
/// <c>Environment.FailFast</c>, stack overflow, out of memory) fails only the call it was running, with
/// <see cref="WorkerCrashedException"/>, and is replaced; a call past its timeout kills its worker; workers
/// can be recycled after a number of calls or above a memory limit; when this process dies, even by
/// <c>kill -9</c>, the workers see their pipe close and exit.
/// </summary>
/// <example>
/// <code>
/// var catalog = new TaskCatalog();
/// var square = catalog.Add("math.square", (long x, TaskContext _) =&gt; x * x);
/// ProcessWorker.RunIfRequested(catalog);            // first line of Main: a worker stops here
/// await using var pool = await ProcessPool.StartAsync(catalog);
/// long nine = await await pool.SubmitAsync(square, 3);
/// long[] squares = await pool.MapAsync(square, numbers).ToArrayAsync();
/// </code>
/// </example>
public abstract class ProcessPool : IAsyncDisposable
{
    private protected ProcessPool()
    {
    }

    /// <summary>
    /// Starts the worker processes and completes when every one has said hello (and run its initializer).
    /// Workers are this application relaunched, unless <see cref="ProcessPoolOptions.WorkerProgram"/> names another program.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range; the message names it.</exception>
    /// <exception cref="InvalidOperationException">A worker could not start; the message says why, with its last output.
    /// Also thrown inside a worker process whose <c>Main</c> did not call <see cref="ProcessWorker.RunIfRequested"/> first.</exception>
    public static Task<ProcessPool> StartAsync(TaskCatalog catalog, ProcessPoolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new ProcessPoolOptions();
        options.Validate();
        if (ProcessWorker.IsWorkerProcess)
        {
            throw new InvalidOperationException(
                "This process was started as a Spindle worker, but its Main did not call ProcessWorker.RunIfRequested(catalog) before starting a ProcessPool. " +
                "Add that line at the top of Main, so a relaunched process serves calls instead of running the application again.");
        }

        return ProcessWorkerPool.LaunchAsync(catalog, options, cancellationToken);
    }

    /// <summary>The pool's name, from its options.</summary>
    public abstract string Name { get; }

    /// <summary>How many worker processes the pool keeps running.</summary>
    public abstract int WorkerCount { get; }

    /// <summary>A snapshot of the worker processes.</summary>
    public abstract IReadOnlyList<WorkerInfo> Workers { get; }

    /// <summary>Counters since the pool started: completed and crashed calls, workers started, lost, recycled.</summary>
    public abstract ProcessPoolStats Stats { get; }

    internal abstract TaskCatalog Catalog { get; }

    /// <summary>
    /// Queues a call of <paramref name="kind"/>. The value task completes once the call is queued (it waits
    /// while the queue is full); the inner task is the call's future.
    /// </summary>
    /// <param name="kind">The task, as returned by <see cref="TaskCatalog.Add{TArgs, TResult}(TaskKind{TArgs, TResult})"/> and its overloads.</param>
    /// <param name="arguments">Serialized to JSON here, so a value that cannot be serialized fails at once.</param>
    /// <param name="priority">Higher runs first; waiting raises it (see <see cref="ProcessPoolOptions.AgingRate"/>).</param>
    /// <param name="progress">Receives the handler's <see cref="TaskContext.Progress"/> reports from the worker
    /// process (at most one every 10 ms, and always the last); <see langword="null"/> drops them in the worker.</param>
    /// <param name="cancellationToken">Removes the call if it has not started; signals its token in the worker if it has.</param>
    /// <exception cref="ObjectDisposedException">The pool has been shut down.</exception>
    /// <exception cref="TaskArgumentException">The kind is not in the pool's catalog, or the arguments are too large.</exception>
    public ValueTask<Task<TResult>> SubmitAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, TArgs arguments, int priority = 0, IProgress<TaskProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!Catalog.Contains(kind.Name))
        {
            throw new TaskArgumentException(kind.Name, $"Task kind '{kind.Name}' is not in the catalog of process pool '{Name}', so its workers would not know it.");
        }

        return Submit(kind.Name, kind.SerializeArguments(arguments), kind.ResultCodec, priority, progress, cancellationToken);
    }

    /// <summary>
    /// Queues a call of <paramref name="kind"/> for a durable queue's job, with arguments that are already JSON, and
    /// gives its result as JSON, so nothing is decoded here.
    /// </summary>
    /// <exception cref="TaskArgumentException">The kind is not in the pool's catalog, or the arguments are too large.</exception>
    internal ValueTask<Task<JsonElement>> SubmitJsonAsync(string kind, byte[] argumentsJson, QueuedJobCall job, CancellationToken cancellationToken)
    {
        if (!Catalog.Contains(kind))
        {
            throw new TaskArgumentException(kind, $"Task kind '{kind}' is not in the catalog of process pool '{Name}', so its workers would not know it.");
        }

        ThrowIfTooLarge(kind, argumentsJson.Length);

        // The queue counts attempts and decides retries: the handler sees the job's attempt, the pool never calls
        // the job poison, and the job's own timeout (plus a grace) is this call's hard limit.
        var call = new SingleCall<JsonElement>(KindOf(kind), argumentsJson, RawJson, job.Priority, progress: null, cancellationToken)
        {
            Attempt = job.Attempt,
            JobId = job.JobId,
            AttemptedAt = job.AttemptedAt,
            Timeout = job.HardTimeout,
            ExemptFromPoison = true,
        };
        return Submit(call);
    }

    private static readonly JsonCodec<JsonElement> RawJson = new(RawJsonContext.Default.JsonElement);

    private ValueTask<Task<TResult>> Submit<TResult>(string kind, byte[] json, JsonCodec<TResult> resultCodec, int priority, IProgress<TaskProgress>? progress, CancellationToken cancellationToken)
    {
        ThrowIfTooLarge(kind, json.Length);
        return Submit(new SingleCall<TResult>(KindOf(kind), json, resultCodec, priority, progress, cancellationToken));
    }

    /// <summary>Queues a call; the value task completes once it is queued (it waits while the queue is full).</summary>
    private ValueTask<Task<TResult>> Submit<TResult>(SingleCall<TResult> call)
    {
        ValueTask queued = EnqueueAsync(call);
        return queued.IsCompletedSuccessfully ? new ValueTask<Task<TResult>>(call.Task) : AwaitQueuedAsync(queued, call);

        static async ValueTask<Task<TResult>> AwaitQueuedAsync(ValueTask queued, SingleCall<TResult> call)
        {
            await queued.ConfigureAwait(false);
            return call.Task;
        }
    }

    /// <summary>Queues a call of the kind registered as <paramref name="kind"/>; see
    /// <see cref="SubmitAsync{TArgs, TResult}(TaskKind{TArgs, TResult}, TArgs, int, IProgress{TaskProgress}?, CancellationToken)"/>.</summary>
    /// <exception cref="TaskArgumentException">The kind is unknown, or registered with other types.</exception>
    public ValueTask<Task<TResult>> SubmitAsync<TArgs, TResult>(string kind, TArgs arguments, int priority = 0, IProgress<TaskProgress>? progress = null, CancellationToken cancellationToken = default) =>
        SubmitAsync(Catalog.Get<TArgs, TResult>(kind), arguments, priority, progress, cancellationToken);

    /// <summary>
    /// Maps <paramref name="kind"/> over <paramref name="source"/> on the workers, results in source order,
    /// streamed (Python's <c>Pool.imap</c>; collect with <see cref="MapStream{TResult}.ToArrayAsync"/> for <c>Pool.map</c>).
    /// Items travel in chunks sized from the source's length and the worker count unless
    /// <see cref="MapOptions.ChunkSize"/> is set; at most <see cref="MapOptions.Window"/> items are in flight.
    /// When a worker dies in a chunk, the chunk's unanswered items are rerun one by one, so only the item
    /// that kills a worker fails (an item that finished before the crash may run twice).
    /// </summary>
    public MapStream<TResult> MapAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, IEnumerable<TArgs> source, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(kind, MapSource<TArgs>.From(source), options, ordered: true, cancellationToken);

    /// <inheritdoc cref="MapAsync{TArgs, TResult}(TaskKind{TArgs, TResult}, IEnumerable{TArgs}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, IAsyncEnumerable<TArgs> source, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(kind, MapSource<TArgs>.From(source), options, ordered: true, cancellationToken);

    /// <summary>Maps <paramref name="kind"/> over <paramref name="source"/>, results as chunks complete (Python's
    /// <c>imap_unordered</c>); <see cref="MapStream{TResult}.Outcomes"/> tells each result's source index.</summary>
    public MapStream<TResult> MapUnorderedAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, IEnumerable<TArgs> source, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(kind, MapSource<TArgs>.From(source), options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapUnorderedAsync{TArgs, TResult}(TaskKind{TArgs, TResult}, IEnumerable{TArgs}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapUnorderedAsync<TArgs, TResult>(TaskKind<TArgs, TResult> kind, IAsyncEnumerable<TArgs> source, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(kind, MapSource<TArgs>.From(source), options, ordered: false, cancellationToken);

    /// <summary>
    /// Shuts the pool down: no new calls; queued calls run (or are cancelled with
    /// <see cref="ProcessPoolOptions.CancelPendingOnDispose"/>) within <see cref="ProcessPoolOptions.ShutdownGracePeriod"/>;
    /// then the workers are told to exit, and killed if they do not; calls still unfinished are cancelled.
    /// </summary>
    public abstract ValueTask DisposeAsync();

    internal abstract ValueTask EnqueueAsync(RemoteCall call);

    internal abstract void Cancel(RemoteCall call);

    internal abstract PoolKind KindOf(string name);

    internal abstract int MaxPayloadBytes { get; }

    internal void ThrowIfTooLarge(string kind, long bytes)
    {
        if (bytes > MaxPayloadBytes)
        {
            throw new TaskArgumentException(kind, $"The arguments of task '{kind}' are {bytes:N0} bytes of JSON, over the pool's {MaxPayloadBytes:N0}-byte limit (ProcessPoolOptions.MaxPayloadBytes).");
        }
    }

    private MapStream<TResult> Map<TArgs, TResult>(TaskKind<TArgs, TResult> kind, MapSource<TArgs> source, MapOptions? options, bool ordered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (!Catalog.Contains(kind.Name))
        {
            throw new TaskArgumentException(kind.Name, $"Task kind '{kind.Name}' is not in the catalog of process pool '{Name}', so its workers would not know it.");
        }

        options ??= MapOptions.Default;
        options.Validate();
        return new MapStream<TResult>(new ProcessMapPlan<TArgs, TResult>(this, kind, source, options, ordered, cancellationToken));
    }
}
