namespace Spindle.Pools;

/// <summary>
/// A pool of in-process workers: bounded concurrency, priorities with aging, a bounded queue of pending
/// calls, and the map family. What Python's <c>ThreadPoolExecutor</c> and <c>multiprocessing.Pool</c> do,
/// on .NET threads.
/// </summary>
/// <example>
/// <code>
/// await using var pool = WorkerPool.Create();
/// Task&lt;int&gt; answer = await pool.SubmitAsync(() =&gt; 6 * 7);
/// long[] squares = await pool.MapAsync(numbers, x =&gt; x * x).ToArrayAsync();
/// </code>
/// </example>
public abstract class WorkerPool : IAsyncDisposable
{
    private protected WorkerPool()
    {
    }

    /// <summary>Creates a pool; its workers start on demand.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of its range; the message names the option.</exception>
    /// <exception cref="ArgumentException">The name is empty or the time provider null; the message names the option.</exception>
    public static WorkerPool Create(WorkerPoolOptions? options = null)
    {
        options ??= new WorkerPoolOptions();
        options.Validate();
        return new PriorityWorkerPool(options);
    }

    /// <summary>How many calls run at the same time.</summary>
    public abstract int MaxConcurrency { get; }

    /// <summary>The pool's name, from its options.</summary>
    public abstract string Name { get; }

    internal abstract TimeProvider TimeProvider { get; }

    /// <summary>
    /// Queues a call. The returned value task completes once the call is queued (it waits while the queue
    /// is full); the inner task is the call's future.
    /// </summary>
    /// <param name="work">The call; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="priority">Higher runs first; waiting raises it (see <see cref="WorkerPoolOptions.AgingRate"/>).</param>
    /// <param name="cancellationToken">Cancels the call: removed if it has not started, signalled if it has.</param>
    /// <exception cref="ObjectDisposedException">The pool has been shut down.</exception>
    public ValueTask<Task<TResult>> SubmitAsync<TResult>(Func<CancellationToken, ValueTask<TResult>> work, int priority = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Submit(new SubmittedCall<TResult>(work), priority, cancellationToken);
    }

    /// <summary>Queues a synchronous call; see <see cref="SubmitAsync{TResult}(Func{CancellationToken, ValueTask{TResult}}, int, CancellationToken)"/>.</summary>
    /// <exception cref="ObjectDisposedException">The pool has been shut down.</exception>
    public ValueTask<Task<TResult>> SubmitAsync<TResult>(Func<TResult> work, int priority = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return cancellationToken.CanBeCanceled
            ? Submit(new SubmittedCall<TResult>(work), priority, cancellationToken)
            : ((PriorityWorkerPool)this).SubmitPooled(work, priority);
    }

    private ValueTask<Task<TResult>> Submit<TResult>(SubmittedCall<TResult> call, int priority, CancellationToken cancellationToken)
    {
        ValueTask queued = EnqueueAsync(call, priority, cancellationToken);
        if (queued.IsCompletedSuccessfully)
        {
            return new ValueTask<Task<TResult>>(call.Task);
        }

        return AwaitQueuedAsync(queued, call);

        static async ValueTask<Task<TResult>> AwaitQueuedAsync(ValueTask queued, SubmittedCall<TResult> call)
        {
            await queued.ConfigureAwait(false);
            return call.Task;
        }
    }

    /// <summary>
    /// Maps <paramref name="body"/> over <paramref name="source"/>, results in source order, streamed.
    /// At most <see cref="MapOptions.Window"/> items are in flight, so an endless source is never materialised.
    /// Nothing runs until the stream is enumerated or collected with <see cref="MapStream{TResult}.ToArrayAsync"/>.
    /// </summary>
    public MapStream<TResult> MapAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, TResult> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: true, cancellationToken);

    /// <inheritdoc cref="MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, TResult}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, CancellationToken, ValueTask<TResult>> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: true, cancellationToken);

    /// <inheritdoc cref="MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, TResult}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, TResult> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: true, cancellationToken);

    /// <inheritdoc cref="MapAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, TResult}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, CancellationToken, ValueTask<TResult>> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: true, cancellationToken);

    /// <summary>
    /// Maps <paramref name="body"/> over <paramref name="source"/>, results as they complete (Python's
    /// <c>imap_unordered</c>). <see cref="MapStream{TResult}.Outcomes"/> tells each result's source index.
    /// </summary>
    public MapStream<TResult> MapUnorderedAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, TResult> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapUnorderedAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, TResult}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapUnorderedAsync<TSource, TResult>(IEnumerable<TSource> source, Func<TSource, CancellationToken, ValueTask<TResult>> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapUnorderedAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, TResult}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapUnorderedAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, TResult> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: false, cancellationToken);

    /// <inheritdoc cref="MapUnorderedAsync{TSource, TResult}(IEnumerable{TSource}, Func{TSource, TResult}, MapOptions?, CancellationToken)"/>
    public MapStream<TResult> MapUnorderedAsync<TSource, TResult>(IAsyncEnumerable<TSource> source, Func<TSource, CancellationToken, ValueTask<TResult>> body, MapOptions? options = null, CancellationToken cancellationToken = default) =>
        Map(MapSource<TSource>.From(source), MapBody<TSource, TResult>.From(body), options, ordered: false, cancellationToken);

    private MapStream<TResult> Map<TSource, TResult>(MapSource<TSource> source, MapBody<TSource, TResult> body, MapOptions? options, bool ordered, CancellationToken cancellationToken)
    {
        options ??= MapOptions.Default;
        options.Validate();
        return new MapStream<TResult>(new MapPlan<TSource, TResult>(this, source, body, options, ordered, cancellationToken));
    }

    /// <summary>Whether any item waits to start: a map runner gives way between chunks when one does.</summary>
    internal abstract bool HasQueuedWork { get; }

    /// <summary>Queues an item; completes once it is in the queue.</summary>
    internal abstract ValueTask EnqueueAsync(IWorkItem item, int priority, CancellationToken cancellationToken);

    /// <summary>
    /// Puts an item that is already admitted (a map runner between chunks) back into the queue, over the
    /// capacity if need be: a worker that waited for room it must itself make would deadlock the pool.
    /// </summary>
    /// <returns><see langword="false"/> when the pool is shutting down and cancels pending work.</returns>
    internal abstract bool Requeue(IWorkItem item, int priority, CancellationToken cancellationToken);

    /// <summary>
    /// Shuts the pool down: no new submissions; pending calls run (or are cancelled when
    /// <see cref="WorkerPoolOptions.CancelPendingOnDispose"/> is set); completes when running calls have finished.
    /// </summary>
    public abstract ValueTask DisposeAsync();
}
