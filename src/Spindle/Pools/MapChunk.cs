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

    // Null until an item fails; then one slot per item, written by the running worker.
    internal Exception?[]? Errors { get; private set; }

    /// <summary>Completes when every item of the chunk has an outcome.</summary>
    internal Task Done => _done.Task;

    public override ValueTask<bool> ExecuteAsync()
    {
        TimeProvider time = _run.Time;
        long started = time.GetTimestamp();
        MapBody<TSource, TResult> body = _run.Body;
        if (body.Sync is { } sync)
        {
            bool succeeded = true;
            TSource[] items = _items!;
            TResult[] results = Results;
            for (int i = 0; i < Count; i++)
            {
                if (CancellationToken.IsCancellationRequested)
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

            Finish(time.GetTimestamp() - started);
            return new ValueTask<bool>(succeeded);
        }

        return ExecuteAsyncBody(body.Async!, started);
    }

    private async ValueTask<bool> ExecuteAsyncBody(Func<TSource, CancellationToken, ValueTask<TResult>> body, long started)
    {
        bool succeeded = true;
        TSource[] items = _items!;
        for (int i = 0; i < Count; i++)
        {
            if (CancellationToken.IsCancellationRequested)
            {
                CancelFrom(i);
                succeeded = false;
                break;
            }

            try
            {
                ValueTask<TResult> pending = body(items[i], CancellationToken);
                Results[i] = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Fail(i, ex);
                succeeded = false;
            }
        }

        Finish(_run.Time.GetTimestamp() - started);
        return succeeded;
    }

    private void Fail(int i, Exception ex)
    {
        Errors ??= new Exception?[Count];
        Errors[i] = ex;
        _run.OnItemFailed(ex);
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
        _items = null;
        Errors = new Exception?[Count];
        Array.Fill(Errors, reason);
        _done.TrySetResult();
        _run.OnChunkDone(this);
    }
}
