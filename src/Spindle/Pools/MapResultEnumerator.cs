using System.Runtime.ExceptionServices;

namespace Spindle.Pools;

/// <summary>
/// Enumerates a streamed map's values. Within a finished chunk <see cref="MoveNextAsync"/> completes
/// synchronously without a state machine, so streaming costs a few nanoseconds per item rather than
/// an async iterator step.
/// </summary>
internal sealed class MapResultEnumerator<TSource, TResult>(StreamingMapRun<TSource, TResult> run) : IAsyncEnumerator<TResult>
{
    // Touched only by the consumer, one call at a time, as IAsyncEnumerator requires.
    private MapChunk<TSource, TResult>? _chunk;
    private int _next;
    private bool _started;
    private bool _finished;

    public TResult Current { get; private set; } = default!;

    public ValueTask<bool> MoveNextAsync()
    {
        if (_chunk is { } chunk && _next < chunk.Count && chunk.Errors is null && !run.StoppedByCaller)
        {
            Current = chunk.Results[_next++];
            return new ValueTask<bool>(true);
        }

        return MoveNextSlowAsync();
    }

    private async ValueTask<bool> MoveNextSlowAsync()
    {
        if (!_started)
        {
            _started = true;
            run.Start();
        }

        while (true)
        {
            if (_chunk is { } chunk)
            {
                if (_next < chunk.Count)
                {
                    run.ThrowIfStoppedByCaller();
                    if (run.Blame(chunk.Errors?[_next]) is { } error)
                    {
                        ExceptionDispatchInfo.Throw(error);
                    }

                    Current = chunk.Results[_next++];
                    return true;
                }

                run.Release(chunk);
                _chunk = null;
            }

            if (_finished)
            {
                return false;
            }

            MapChunk<TSource, TResult>? next = await run.NextChunkAsync().ConfigureAwait(false);
            if (next is null)
            {
                run.ThrowIfSourceFailed();
                _finished = true;
                return false;
            }

            _chunk = next;
            _next = 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            _started = false;
            await run.FinishAsync(_finished).ConfigureAwait(false);
        }
        else
        {
            run.DisposeUnstarted();
        }
    }
}
