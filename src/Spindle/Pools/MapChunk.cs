using System.Diagnostics;

namespace Spindle.Pools;

/// <summary>Consecutive items of a streaming map, run by one worker as one pool item.</summary>
internal sealed class MapChunk<TSource, TResult> : WorkItem
{
    private readonly StreamingMapRun<TSource, TResult> _run;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Filled by the producer before the chunk is enqueued; cleared once run, so the inputs can be collected.
    private TSource[]? _items;

    internal MapChunk(StreamingMapRun<TSource, TResult> run, long firstIndex, TSource[] items, int count)
    {
        _run = run;
        FirstIndex = firstIndex;
        _items = items;
        Count = count;
        Results = new TResult[count];
    }

    internal long FirstIndex { get; }

    internal int Count { get; }

    // Written by the worker that runs the chunk; read by the consumer after Done completes.
    internal TResult[] Results { get; }

    // Set by the running worker while an asynchronous body runs; read by a worker stopping it after a failure.
    private CancellationTokenSource? _stop;

    // Null until an item fails; then one slot per item, written by the running worker.
    internal Exception?[]? Errors { get; private set; }

    /// <summary>Completes when every item of the chunk has an outcome.</summary>
    internal Task Done => _done.Task;

    public override ValueTask<bool> ExecuteAsync()
    {
        long started = Stopwatch.GetTimestamp();
        MapBody<TSource, TResult> body = _run.Body;
        if (body.Sync is { } sync)
        {
            bool succeeded = true;
            TSource[] items = _items!;
            TResult[] results = Results;
            for (int i = 0; i < Count; i++)
            {
                if (_run.ShouldSkip(FirstIndex + i))
                {
                    CancelFrom(i);
                    succeeded = false;
                    break;
                }

                try
                {
                    results[i] = sync(items[i]);
                }
                catch (Exception ex)
                {
                    Fail(i, ex);
                    succeeded = false;
                }
            }

            Finish(Stopwatch.GetTimestamp() - started);
            return new ValueTask<bool>(succeeded);
        }

        return ExecuteAsyncBody(body.Async!, started);
    }

    private async ValueTask<bool> ExecuteAsyncBody(Func<TSource, CancellationToken, ValueTask<TResult>> body, long started)
    {
        bool succeeded = true;
        TSource[] items = _items!;

        // A token of the chunk's own, so that a fail-fast failure at an earlier position can signal this
        // chunk's running item without signalling the items before the failure.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        Volatile.Write(ref _stop, stop);
        _run.TrackRunning(this);
        try
        {
            for (int i = 0; i < Count; i++)
            {
                if (_run.ShouldSkip(FirstIndex + i))
                {
                    CancelFrom(i);
                    succeeded = false;
                    break;
                }

                try
                {
                    ValueTask<TResult> pending = body(items[i], stop.Token);
                    Results[i] = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    Fail(i, ex);
                    succeeded = false;
                }
            }
        }
        finally
        {
            _run.UntrackRunning(this);
            _stop = null;
        }

        Finish(Stopwatch.GetTimestamp() - started);
        return succeeded;
    }

    /// <summary>Signals the running item of this chunk: an earlier position failed fast.</summary>
    internal void Stop()
    {
        if (Volatile.Read(ref _stop) is { } stop)
        {
            CancellationSources.CancelQuietly(stop);
        }
    }

    private void Fail(int i, Exception ex)
    {
        Errors ??= new Exception?[Count];
        Errors[i] = ex;
        _run.OnItemFailed(FirstIndex + i, ex);
    }

    private void CancelFrom(int first)
    {
        Errors ??= new Exception?[Count];
        var cancelled = new OperationCanceledException(CancellationToken);
        for (int i = first; i < Count; i++)
        {
            Errors[i] ??= cancelled;
        }
    }

    private void Finish(long elapsedTicks)
    {
        _items = null;
        _run.Sizer.Record(Count, elapsedTicks);
        _done.TrySetResult();
        _run.OnChunkDone(this);
    }

    public override void Abandon(Exception reason)
    {
        _run.OnChunkAbandoned(reason);
        _items = null;
        Errors = new Exception?[Count];
        Array.Fill(Errors, reason);
        _done.TrySetResult();
        _run.OnChunkDone(this);
    }
}
