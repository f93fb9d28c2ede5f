using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Spindle.Pools;

/// <summary>
/// One enumeration of a streamed map: a producer reads the source into chunks and queues them on the
/// pool; the consumer receives the chunks in source order (or as they complete) and yields item outcomes.
/// </summary>
/// <remarks>
/// Back-pressure: the producer takes window permits before it reads items, and the consumer gives them
/// back after it has yielded them, so at most <see cref="MapOptions.Window"/> items are between the
/// source and the consumer, however fast either side is.
/// </remarks>
internal sealed class StreamingMapRun<TSource, TResult>
{
    private readonly MapPlan<TSource, TResult> _plan;
    // Linked to the caller's tokens; cancelled by the consumer leaving early, or by a chunk dropped at
    // shutdown; observed by the producer, by queued chunks (their removal) and by running items; disposed
    // by the consumer in FinishAsync once everything has settled.
    private readonly CancellationTokenSource _cancellation;

    // Taken by the producer, given back by the consumer; thread-safe itself.
    private readonly ItemWindow _window;

    // Written by the producer (ordered: in source order) or by finishing chunks (unordered); read by the consumer.
    private readonly Channel<MapChunk<TSource, TResult>> _delivered =
        Channel.CreateUnbounded<MapChunk<TSource, TResult>>(new UnboundedChannelOptions { SingleReader = true });

    // The producer counts for one, each queued chunk for one until it has an outcome. Interlocked.
    private int _unsettled = 1;
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Written once by a worker whose queued chunk was dropped at shutdown (first wins); read by the consumer.
    private ExceptionDispatchInfo? _failure;

    // The lowest position that failed under FailFast, long.MaxValue while none has. Lowered with
    // compare-and-swap by workers; read by workers (items after it are not started) and the producer.
    private long _failedAt = long.MaxValue;

    // Guarded by itself: chunks of an asynchronous body that are running now, to be stopped by a failure
    // at an earlier position.
    private readonly HashSet<MapChunk<TSource, TResult>> _runningAsync = [];

    // Written by the producer before it settles; read by the consumer after the delivered channel completes.
    private ExceptionDispatchInfo? _sourceError;

    internal StreamingMapRun(MapPlan<TSource, TResult> plan, CancellationToken cancellationToken)
    {
        _plan = plan;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(plan.CancellationToken, cancellationToken);
        _window = new ItemWindow(plan.Options.Window);
        Sizer = new ChunkSizer(plan.Options.ChunkSize, plan.Options.Window, plan.Pool.MaxConcurrency);
    }

    internal ChunkSizer Sizer { get; }

    internal MapBody<TSource, TResult> Body => _plan.Body;

    private CancellationToken Token => _cancellation.Token;

    /// <summary>Runs the map and yields every item's outcome (the consumer of <see cref="MapStream{TResult}.Outcomes"/>).</summary>
    /// <param name="blameStopper">Report an item cancelled by another's fail-fast failure as that failure.</param>
    internal async IAsyncEnumerable<ItemOutcome<TResult>> RunAsync(bool blameStopper)
    {
        bool finished = false;
        Start();
        try
        {
            while (await NextChunkAsync().ConfigureAwait(false) is { } chunk)
            {
                for (int i = 0; i < chunk.Count; i++)
                {
                    ThrowIfStoppedByCaller();
                    Exception? error = chunk.Errors?[i];
                    yield return new ItemOutcome<TResult>(chunk.FirstIndex + i, chunk.Results[i], blameStopper ? Blame(error) : error);
                }

                Release(chunk);
            }

            ThrowIfSourceFailed();
            finished = true;
        }
        finally
        {
            await FinishAsync(finished).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the producer; the consumer then takes chunks with <see cref="NextChunkAsync"/>.</summary>
    internal void Start() => _ = Task.Run(ProduceAsync, CancellationToken.None);

    /// <summary>The next chunk with every item's outcome in (in source order when ordered); null at the end.</summary>
    internal async ValueTask<MapChunk<TSource, TResult>?> NextChunkAsync()
    {
        ChannelReader<MapChunk<TSource, TResult>> reader = _delivered.Reader;
        while (true)
        {
            if (reader.TryRead(out MapChunk<TSource, TResult>? chunk))
            {
                await chunk.Done.ConfigureAwait(false);
                return chunk;
            }

            if (!await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>The consumer has had every item of the chunk: its window permits go back to the producer.</summary>
    internal void Release(MapChunk<TSource, TResult> chunk) => _window.Release(chunk.Count);

    /// <summary>Whether the caller cancelled (a fail-fast stop also cancels, but yields up to the failing position).</summary>
    internal bool StoppedByCaller => _cancellation.IsCancellationRequested && Failure is null;

    /// <summary>Stops at once when the caller cancelled, rather than yield what had finished before.</summary>
    internal void ThrowIfStoppedByCaller()
    {
        if (StoppedByCaller)
        {
            throw new OperationCanceledException(Token);
        }
    }

    /// <summary>An item cancelled because another failed fast is reported as that failure.</summary>
    internal Exception? Blame(Exception? error) =>
        error is OperationCanceledException && Failure is { } stopper ? stopper.SourceException : error;

    internal void ThrowIfSourceFailed() => _sourceError?.Throw();

    /// <summary>Ends a run that was never started (enumerated zero times).</summary>
    internal void DisposeUnstarted() => _cancellation.Dispose();

    /// <summary>Ends the run: cancels what is left unless it completed, and waits until nothing of it still runs.</summary>
    internal async ValueTask FinishAsync(bool completed)
    {
        if (!completed)
        {
            await _cancellation.CancelAsync().ConfigureAwait(false);
        }

        await _settled.Task.ConfigureAwait(false);
        _cancellation.Dispose();
    }

    /// <summary>Why a cancelled item was cancelled: the failure that stopped the map, if one did.</summary>
    internal ExceptionDispatchInfo? Failure => Volatile.Read(ref _failure);

    private async Task ProduceAsync()
    {
        MapOptions options = _plan.Options;
        long index = 0;
        int unmeasured = 0;
        MapSource<TSource>.Reader? reader = null;
        try
        {
            reader = _plan.Source.OpenReader(Token);
            while (!Token.IsCancellationRequested && Volatile.Read(ref _failedAt) == long.MaxValue)
            {
                if (!Sizer.HasMeasurement && unmeasured >= _plan.Pool.MaxConcurrency)
                {
                    await Sizer.FirstMeasurement.WaitAsync(Token).ConfigureAwait(false);
                }

                int size = Math.Min(Sizer.NextSize(), _window.Capacity);
                await _window.AcquireAsync(size, Token).ConfigureAwait(false);
                var items = new TSource[size];
                int read = await reader.ReadAsync(items, size, Token).ConfigureAwait(false);
                if (read < size)
                {
                    _window.Release(size - read);
                }

                if (read == 0)
                {
                    break;
                }

                var chunk = new MapChunk<TSource, TResult>(this, index, items, read);
                index += read;
                unmeasured++;
                Interlocked.Increment(ref _unsettled);
                if (_plan.Ordered)
                {
                    _delivered.Writer.TryWrite(chunk);
                }

                try
                {
                    await _plan.Pool.EnqueueAsync(chunk, options.Priority, Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    chunk.Abandon(ex);
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (Token.IsCancellationRequested)
        {
            // The consumer left or the map failed fast; the chunks already queued settle by themselves.
        }
        catch (Exception ex)
        {
            // The items already read still run and are yielded; the error surfaces after them.
            _sourceError = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            if (reader is not null)
            {
                try
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (_sourceError is null)
                {
                    _sourceError = ExceptionDispatchInfo.Capture(ex);
                }
            }

            if (_plan.Ordered)
            {
                _delivered.Writer.TryComplete();
            }

            Settle();
        }
    }

    /// <summary>
    /// Under FailFast, an item's failure stops the map after its position: items after it are not started
    /// (queued chunks skip them, the producer reads no more), items before it still run, so the ordered
    /// stream yields every result before the failure and then throws it at its own position.
    /// </summary>
    internal void OnItemFailed(long index, Exception ex)
    {
        if (_plan.Options.Failures != MapFailureMode.FailFast || (ex is OperationCanceledException && Token.IsCancellationRequested))
        {
            return;
        }

        long seen = Volatile.Read(ref _failedAt);
        while (index < seen)
        {
            long previous = Interlocked.CompareExchange(ref _failedAt, index, seen);
            if (previous == seen)
            {
                StopRunningAfter(index);
                return;
            }

            seen = previous;
        }
    }

    private void StopRunningAfter(long index)
    {
        List<MapChunk<TSource, TResult>> later = [];
        lock (_runningAsync)
        {
            foreach (MapChunk<TSource, TResult> chunk in _runningAsync)
            {
                if (chunk.FirstIndex > index)
                {
                    later.Add(chunk);
                }
            }
        }

        // Outside the lock: stopping runs the items' cancellation callbacks, and their continuations may
        // finish a chunk, which untracks it.
        foreach (MapChunk<TSource, TResult> chunk in later)
        {
            chunk.Stop();
        }
    }

    internal void TrackRunning(MapChunk<TSource, TResult> chunk)
    {
        lock (_runningAsync)
        {
            _runningAsync.Add(chunk);
        }

        // A failure may have come before this chunk was tracked.
        if (chunk.FirstIndex > Volatile.Read(ref _failedAt))
        {
            chunk.Stop();
        }
    }

    internal void UntrackRunning(MapChunk<TSource, TResult> chunk)
    {
        lock (_runningAsync)
        {
            _runningAsync.Remove(chunk);
        }
    }

    /// <summary>Whether an item must not start: the caller cancelled, or an earlier position failed fast.</summary>
    internal bool ShouldSkip(long index) => Token.IsCancellationRequested || index > Volatile.Read(ref _failedAt);

    /// <summary>
    /// A queued chunk was dropped without running (its pool shut down with CancelPendingOnDispose): the map
    /// stops with that reason, and the producer, which may be waiting for this chunk's measurement, stops too.
    /// </summary>
    internal void OnChunkAbandoned(Exception reason)
    {
        if (!Token.IsCancellationRequested && Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(reason), null) is null)
        {
            CancellationSources.CancelQuietly(_cancellation);
        }
    }

    internal void OnChunkDone(MapChunk<TSource, TResult> chunk)
    {
        if (!_plan.Ordered)
        {
            _delivered.Writer.TryWrite(chunk);
        }

        Settle();
    }

    private void Settle()
    {
        if (Interlocked.Decrement(ref _unsettled) == 0)
        {
            _delivered.Writer.TryComplete();
            _settled.TrySetResult();
        }
    }
}
