using System.Runtime.CompilerServices;
using Spindle.Processes;
using Spindle.Tasks;

namespace Spindle.Pipelines;

/// <summary>
/// A pipeline whose items are <typeparamref name="T"/> at this point. Each stage method returns a new
/// pipeline with the stage appended; nothing runs until <see cref="ToAsyncEnumerable"/> is enumerated or
/// <see cref="RunAsync(Action{T}, CancellationToken)"/> is called, and each of those is a run of its own.
/// </summary>
/// <typeparam name="T">The type of the items leaving the last stage.</typeparam>
public sealed class Pipeline<T>
{
    private readonly PipelineOptions _options;
    private readonly Func<PipelineRun, string, BufferShape, object> _startSource;
    private readonly StageDefinition[] _stages;

    // The latest run started from this pipeline: written when a run is built, read by Snapshot on any thread.
    private PipelineRun? _latest;

    internal Pipeline(PipelineOptions options, Func<PipelineRun, string, BufferShape, object> startSource, StageDefinition[] stages)
    {
        _options = options;
        _startSource = startSource;
        _stages = stages;
    }

    /// <summary>Appends a stage that maps each item to one result.</summary>
    /// <param name="name">The stage's name, unique in the pipeline: it names the stage in errors, snapshots and metrics.</param>
    /// <param name="map">The delegate; it may run on several workers at once (see <see cref="StageOptions.Workers"/>).</param>
    /// <param name="options">Workers, buffer, order and error handling; defaults when <see langword="null"/>.</param>
    public Pipeline<TOut> Map<TOut>(string name, Func<T, TOut> map, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Append(new StepStage<T, TOut>(name, Check(name, options), new SyncMapStep<T, TOut>(map)));
    }

    /// <inheritdoc cref="Map{TOut}(string, Func{T, TOut}, StageOptions?)"/>
    public Pipeline<TOut> Map<TOut>(string name, Func<T, CancellationToken, ValueTask<TOut>> map, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Append(new StepStage<T, TOut>(name, Check(name, options), new AsyncMapStep<T, TOut>(map)));
    }

    /// <summary>
    /// Appends a stage that runs each item as a call of the named task <paramref name="kind"/> on <paramref name="pool"/>'s
    /// worker processes, named after the kind (use the overload with a name to call one kind in two stages).
    /// It is the async map with a delegate that submits the call and awaits it: <see cref="StageOptions.Workers"/> is
    /// the number of calls in flight, and order, error modes and cancellation behave as for any async map. A call's
    /// failure is the item's: <see cref="RemoteTaskException"/>, <see cref="WorkerCrashedException"/> or
    /// <see cref="TaskTimeoutException"/>; a pool that is shut down fails the run whatever the error mode.
    /// </summary>
    /// <param name="pool">The pool; it must outlive every run of the pipeline.</param>
    /// <param name="kind">The task, from the pool's catalog; the item is its argument, its result goes on.</param>
    /// <param name="options">Workers, buffer, order and error handling; when <see langword="null"/>, the defaults with
    /// <see cref="StageOptions.Workers"/> at twice the pool's worker count, so every process has a call running and one queued.</param>
    /// <exception cref="TaskArgumentException"><paramref name="kind"/> is not in the pool's catalog.</exception>
    public Pipeline<TOut> Map<TOut>(ProcessPool pool, TaskKind<T, TOut> kind, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return Map(kind.Name, pool, kind, options);
    }

    /// <inheritdoc cref="Map{TOut}(ProcessPool, TaskKind{T, TOut}, StageOptions?)"/>
    /// <param name="name">The stage's name, unique in the pipeline: it names the stage in errors, snapshots and metrics.</param>
    /// <param name="pool">The pool; it must outlive every run of the pipeline.</param>
    /// <param name="kind">The task, from the pool's catalog; the item is its argument, its result goes on.</param>
    /// <param name="options">Workers, buffer, order and error handling; when <see langword="null"/>, the defaults with
    /// <see cref="StageOptions.Workers"/> at twice the pool's worker count, so every process has a call running and one queued.</param>
    public Pipeline<TOut> Map<TOut>(string name, ProcessPool pool, TaskKind<T, TOut> kind, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(kind);
        if (!pool.Catalog.Contains(kind.Name))
        {
            throw new TaskArgumentException(kind.Name, $"Task kind '{kind.Name}' is not in the catalog of process pool '{pool.Name}', so its workers would not know it.");
        }

        options ??= StageOptions.Default with { Workers = Math.Min(1024, 2 * pool.WorkerCount) };
        return Append(new StepStage<T, TOut>(name, Check(name, options), ProcessCallStep.Create(pool, kind)));
    }

    /// <summary>Appends a stage that keeps only the items <paramref name="predicate"/> accepts.</summary>
    /// <inheritdoc cref="Map{TOut}(string, Func{T, TOut}, StageOptions?)" path="/param"/>
    public Pipeline<T> Filter(string name, Func<T, bool> predicate, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Append(new StepStage<T, T>(name, Check(name, options), new SyncFilterStep<T>(predicate, "filter")));
    }

    /// <inheritdoc cref="Filter(string, Func{T, bool}, StageOptions?)"/>
    public Pipeline<T> Filter(string name, Func<T, CancellationToken, ValueTask<bool>> predicate, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Append(new StepStage<T, T>(name, Check(name, options), new AsyncFilterStep<T>(predicate, "filter")));
    }

    /// <summary>Appends a stage that turns each item into any number of items.</summary>
    /// <inheritdoc cref="Map{TOut}(string, Func{T, TOut}, StageOptions?)" path="/param"/>
    public Pipeline<TOut> FlatMap<TOut>(string name, Func<T, IEnumerable<TOut>> many, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(many);
        return Append(new StepStage<T, TOut>(name, Check(name, options), new FlatMapStep<T, TOut>(many, null)));
    }

    /// <inheritdoc cref="FlatMap{TOut}(string, Func{T, IEnumerable{TOut}}, StageOptions?)"/>
    public Pipeline<TOut> FlatMap<TOut>(string name, Func<T, CancellationToken, IAsyncEnumerable<TOut>> many, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(many);
        return Append(new StepStage<T, TOut>(name, Check(name, options), new FlatMapStep<T, TOut>(null, many)));
    }

    /// <summary>Appends a stage that calls <paramref name="action"/> on each item and passes the item on unchanged.</summary>
    /// <inheritdoc cref="Map{TOut}(string, Func{T, TOut}, StageOptions?)" path="/param"/>
    public Pipeline<T> Tap(string name, Action<T> action, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Append(new StepStage<T, T>(name, Check(name, options), new SyncFilterStep<T>(item =>
        {
            action(item);
            return true;
        }, "tap")));
    }

    /// <inheritdoc cref="Tap(string, Action{T}, StageOptions?)"/>
    public Pipeline<T> Tap(string name, Func<T, CancellationToken, ValueTask> action, StageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Append(new StepStage<T, T>(name, Check(name, options), new AsyncFilterStep<T>(async (item, ct) =>
        {
            await action(item, ct).ConfigureAwait(false);
            return true;
        }, "tap")));
    }

    /// <summary>Appends a stage that groups items into arrays of <paramref name="size"/> (the last one may be shorter).</summary>
    /// <param name="name">The stage's name, unique in the pipeline.</param>
    /// <param name="size">Items per batch: 1 to 1,048,576.</param>
    /// <param name="options">Buffer only: a batch stage has one worker and keeps the order.</param>
    public Pipeline<T[]> Batch(string name, int size, StageOptions? options = null) =>
        Append(new BatchStage<T>(name, CheckBatch(name, size, null, options), size, null));

    /// <summary>
    /// Appends a stage that groups items into arrays of <paramref name="size"/>, or fewer when
    /// <paramref name="maxDelay"/> has passed since the batch's first item (on <see cref="PipelineOptions.TimeProvider"/>).
    /// </summary>
    /// <param name="name">The stage's name, unique in the pipeline.</param>
    /// <param name="size">Items per batch: 1 to 1,048,576.</param>
    /// <param name="maxDelay">The longest a batch waits to fill: more than zero.</param>
    /// <param name="options">Buffer only: a batch stage has one worker and keeps the order.</param>
    public Pipeline<T[]> Batch(string name, int size, TimeSpan maxDelay, StageOptions? options = null) =>
        Append(new BatchStage<T>(name, CheckBatch(name, size, maxDelay, options), size, maxDelay));

    /// <summary>
    /// Runs the pipeline and streams what leaves its last stage, in order where every stage keeps it.
    /// Leaving the loop early stops every stage; a failed stage surfaces as a <see cref="PipelineStageException"/>
    /// once every stage has stopped, also when the loop is left early after the failure.
    /// </summary>
    /// <exception cref="PipelineStageException">A stage failed (or the source, or the consumer).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async IAsyncEnumerable<T> ToAsyncEnumerable([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        (PipelineRun run, StageBuffer<T> output, StageCounters sink) = Start(measuresSink: false, cancellationToken);
        using var meter = new PipelineMeter(run);
        CancellationToken token = run.Token;
        bool ended = false;

        // Items of the current segment handed to the consumer, counted out once per segment (or when it leaves).
        int handed = 0;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (output.TryRead(out Segment<T> segment))
                {
                    Interlocked.Add(ref sink.ItemsIn, segment.Count);
                    for (int i = 0; i < segment.Count && !token.IsCancellationRequested; i++)
                    {
                        handed++;
                        yield return segment.Items[i];
                    }

                    Interlocked.Add(ref sink.ItemsOut, handed);
                    handed = 0;
                    output.Return(segment);
                    continue;
                }

                if (!await output.WaitToReadAsync().ConfigureAwait(false))
                {
                    break;
                }
            }

            ended = true;
        }
        finally
        {
            // A failure recorded before the consumer left is the run's outcome and is thrown from the loop's
            // exit; one that only follows the stop the consumer caused is not.
            Interlocked.Add(ref sink.ItemsOut, handed);
            PipelineStageException? failedBeforeLeaving = null;
            if (!ended)
            {
                failedBeforeLeaving = run.Failure;
                run.Stop();
            }

            await run.WhenStoppedAsync().ConfigureAwait(false);
            run.Dispose();
            if (failedBeforeLeaving is not null)
            {
                throw failedBeforeLeaving;
            }
        }

        run.ThrowIfEndedEarly();
    }

    /// <summary>Runs the pipeline, calling <paramref name="sink"/> on every item that leaves its last stage, one at a time.</summary>
    /// <returns>A task that completes when every stage has finished and the sink has had every item.</returns>
    /// <exception cref="PipelineStageException">A stage, the source or the sink failed (the sink's name is <c>sink</c>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task RunAsync(Action<T> sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return DrainAsync(new PipelineSink<T>(sink, null), cancellationToken);
    }

    /// <inheritdoc cref="RunAsync(Action{T}, CancellationToken)"/>
    public Task RunAsync(Func<T, CancellationToken, ValueTask> sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        return DrainAsync(new PipelineSink<T>(null, sink), cancellationToken);
    }

    /// <summary>
    /// The state of the latest run started from this pipeline (running or finished): per stage, items in and out,
    /// busy workers, buffer depth, time per item. Print it to see the bottleneck. Empty before the first run.
    /// </summary>
    public PipelineSnapshot Snapshot() =>
        Volatile.Read(ref _latest) is { } run ? PipelineSnapshot.Of(run) : PipelineSnapshot.Empty(_options);

    private async Task DrainAsync(PipelineSink<T> sink, CancellationToken cancellationToken)
    {
        (PipelineRun run, StageBuffer<T> output, StageCounters counters) = Start(measuresSink: true, cancellationToken);
        try
        {
            using var meter = new PipelineMeter(run);
            await sink.DrainAsync(run, output, counters).ConfigureAwait(false);
        }
        finally
        {
            await run.WhenStoppedAsync().ConfigureAwait(false);
            run.Dispose();
        }

        run.ThrowIfEndedEarly();
    }

    private (PipelineRun Run, StageBuffer<T> Output, StageCounters Sink) Start(bool measuresSink, CancellationToken cancellationToken)
    {
        var run = new PipelineRun(_options, cancellationToken);
        BufferShape outputShape = BufferShape.For(_options.OutputBuffer, 1, itemAtATime: false);
        object buffer = _startSource(run, _stages.Length > 0 ? _stages[0].Name : "sink", _stages.Length > 0 ? _stages[0].InputShape : outputShape);
        for (int i = 0; i < _stages.Length; i++)
        {
            bool last = i + 1 == _stages.Length;
            buffer = _stages[i].Start(run, buffer, last ? "sink" : _stages[i + 1].Name, last ? outputShape : _stages[i + 1].InputShape);
        }

        var output = (StageBuffer<T>)buffer;
        var sink = new StageCounters("sink", "sink", 1)
        {
            MeasuresBusy = measuresSink,
            Depth = () => output.Depth,
            Peak = () => output.Peak,
            Capacity = output.Capacity,
        };
        run.Rows.Add(sink);
        run.AbortBuffersOnStop();
        Volatile.Write(ref _latest, run);
        return (run, output, sink);
    }

    private Pipeline<TOut> Append<TOut>(StepStage<T, TOut> stage) => new(_options, _startSource, [.. _stages, stage]);

    private Pipeline<T[]> Append(BatchStage<T> stage) => new(_options, _startSource, [.. _stages, stage]);

    private StageOptions Check(string name, StageOptions? options)
    {
        CheckName(name);
        options ??= StageOptions.Default;
        options.Validate(_options);
        return options;
    }

    private StageOptions CheckBatch(string name, int size, TimeSpan? maxDelay, StageOptions? options)
    {
        options = Check(name, options);
        if (size is < 1 or > 1_048_576)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "A batch size must be between 1 and 1,048,576.");
        }

        if (maxDelay is { } delay && delay <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDelay), delay, "A batch's maxDelay must be more than zero.");
        }

        if (options.Workers != 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Workers, "StageOptions.Workers must be 1 for a batch stage: batches keep the order of their items.");
        }

        return options;
    }

    private void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name is "source" or "sink" || _stages.Any(s => s.Name == name))
        {
            throw new ArgumentException($"The pipeline already has a stage named '{name}' ('source' and 'sink' name its ends); stage names must be unique.", nameof(name));
        }
    }
}
