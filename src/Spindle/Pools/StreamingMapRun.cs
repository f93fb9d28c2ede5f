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
    private readonly CancellationTokenSource _cancellation;
    private readonly ItemWindow _window;
    private readonly Channel<MapChunk<TSource, TResult>> _delivered =
        Channel.CreateUnbounded<MapChunk<TSource, TResult>>(new UnboundedChannelOptions { SingleReader = true });

    // The producer counts for one, each queued chunk for one until it has an outcome. Interlocked.
    private int _unsettled = 1;
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Written once (first failure wins) by a worker; read by the consumer after the chunk that carries it.
    private ExceptionDispatchInfo? _failure;

    // Written by the producer before it settles; read by the consumer after the delivered channel completes.
    private ExceptionDispatchInfo? _sourceError;

    internal StreamingMapRun(MapPlan<TSource, TResult> plan, CancellationToken cancellationToken)
    {
        _plan = plan;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(plan.CancellationToken, cancellationToken);
        _window = new ItemWindow(plan.Options.Window);
        Sizer = new ChunkSizer(plan.Options.ChunkSize, plan.Options.Window, plan.Pool.MaxConcurrency, plan.Pool.TimeProvider);
    }

    internal ChunkSizer Sizer { get; }

    internal TimeProvider Time => _plan.Pool.TimeProvider;

    internal MapBody<TSource, TResult> Body => _plan.Body;

    private CancellationToken Token => _cancellation.Token;

    internal async IAsyncEnumerable<ItemOutcome<TResult>> RunAsync(bool blameStopper)
    {
        bool finished = false;
        _ = Task.Run(ProduceAsync, CancellationToken.None);
        try
        {
            ChannelReader<MapChunk<TSource, TResult>> reader = _delivered.Reader;
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (reader.TryRead(out MapChunk<TSource, TResult>? chunk))
                {
                    await chunk.Done.ConfigureAwait(false);
                    for (int i = 0; i < chunk.Count; i++)
                    {
                        // The caller cancelled: stop now rather than yield what was finished before.
                        // (A fail-fast stop also cancels; that one yields up to the failing position.)
                        if (_cancellation.IsCancellationRequested && Failure is null)
                        {
                            throw new OperationCanceledException(Token);
                        }

                        Exception? error = chunk.Errors?[i];
                        if (blameStopper && error is OperationCanceledException && Failure is { } stopper)
                        {
                            error = stopper.SourceException;
                        }

                        yield return new ItemOutcome<TResult>(chunk.FirstIndex + i, chunk.Results[i], error);
                    }

                    _window.Release(chunk.Count);
                }
            }

            _sourceError?.Throw();
            finished = true;
        }
        finally
        {
            if (!finished)
            {
                await _cancellation.CancelAsync().ConfigureAwait(false);
            }

            // Nothing of this map may still run once the consumer has left the loop.
            await _settled.Task.ConfigureAwait(false);
            _cancellation.Dispose();
        }
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
            while (!Token.IsCancellationRequested)
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

    internal void OnItemFailed(Exception ex)
    {
        if (_plan.Options.Failures == MapFailureMode.FailFast && !(ex is OperationCanceledException && Token.IsCancellationRequested))
        {
            if (Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(ex), null) is null)
            {
                _cancellation.Cancel();
            }
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
