using System.Runtime.ExceptionServices;

namespace Spindle.Pools;

/// <summary>
/// A map over a list collected into an array: one runner per worker claims guided chunks (a share of
/// what remains, shrinking toward the end, so the tail is short) and writes results in place. After each
/// chunk a runner goes back into the pool's queue, so the map's priority is honoured between chunks.
/// </summary>
internal sealed class IndexedMapRun<TSource, TResult>
{
    private readonly MapPlan<TSource, TResult> _plan;
    private readonly IReadOnlyList<TSource> _source;
    private readonly int _workers;

    // Each index is written by the one runner that claimed it; read by RunAsync after _done completes.
    private readonly TResult[] _results;

    // Cancelled by the caller's token (linked), or by any runner failing fast; read by every runner
    // between blocks; disposed by RunAsync once every runner has retired.
    private readonly CancellationTokenSource _cancellation;

    // Completed by the last runner to retire; awaited by RunAsync.
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Claimed by runners with compare-and-swap: the first index no runner has taken.
    private int _next;

    // Decremented by each runner as it retires; the last one completes _done.
    private int _activeRunners;

    // Guarded by lock (_failuresLock): failures by source index.
    private readonly Lock _failuresLock = new();
    private SortedList<int, Exception>? _failures;

    internal IndexedMapRun(MapPlan<TSource, TResult> plan, IReadOnlyList<TSource> source, CancellationToken cancellationToken)
    {
        _plan = plan;
        _source = source;
        _results = new TResult[source.Count];
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(plan.CancellationToken, cancellationToken);
        _workers = plan.Pool.MaxConcurrency;
    }

    internal async ValueTask<TResult[]> RunAsync()
    {
        try
        {
            int runners = Math.Min(_workers, _results.Length);
            if (runners == 0)
            {
                return _results;
            }

            _activeRunners = runners;
            for (int i = 0; i < runners; i++)
            {
                var runner = new Runner(this);
                try
                {
                    await _plan.Pool.EnqueueAsync(runner, _plan.Options.Priority, _cancellation.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // This runner and the ones not yet queued will never run.
                    RecordFailure(_next, ex);
                    await _cancellation.CancelAsync().ConfigureAwait(false);
                    for (int j = i; j < runners; j++)
                    {
                        Retire();
                    }

                    break;
                }
            }

            await _done.Task.ConfigureAwait(false);
            if (_failures is { Count: > 0 } failures)
            {
                if (_plan.Options.Failures == MapFailureMode.FailFast)
                {
                    ExceptionDispatchInfo.Throw(failures.Values[0]);
                }

                throw MapFailures.Collected([.. failures.Values]);
            }

            // Not stopped by a failure: any cancellation came from the caller.
            _cancellation.Token.ThrowIfCancellationRequested();
            return _results;
        }
        finally
        {
            _cancellation.Dispose();
        }
    }

    private bool TryClaim(out int start, out int count)
    {
        int total = _results.Length;
        while (true)
        {
            start = Volatile.Read(ref _next);
            if (start >= total || _cancellation.IsCancellationRequested)
            {
                count = 0;
                return false;
            }

            int remaining = total - start;
            // Guided: an eighth of each worker's share of what remains. Large chunks first, small ones at
            // the end, so a worker that starts late or draws slow items still finishes with the others.
            count = Math.Min(remaining, _plan.Options.ChunkSize ?? Math.Max(1, remaining / (8 * _workers)));
            if (Interlocked.CompareExchange(ref _next, start + count, start) == start)
            {
                return true;
            }
        }
    }

    private void RecordFailure(int index, Exception ex)
    {
        lock (_failuresLock)
        {
            _failures ??= [];
            _failures.TryAdd(index, ex);
        }
    }

    private void OnItemFailed(int index, Exception ex)
    {
        RecordFailure(index, ex);
        if (_plan.Options.Failures == MapFailureMode.FailFast)
        {
            CancellationSources.CancelQuietly(_cancellation);
        }
    }

    private void Retire()
    {
        if (Interlocked.Decrement(ref _activeRunners) == 0)
        {
            _done.TrySetResult();
        }
    }

    // Items between two looks at the cancellation token in the tight loop.
    private const int CancellationCheckEvery = 256;

    /// <summary>One worker's share of the map: a chunk per turn in the pool.</summary>
    private sealed class Runner(IndexedMapRun<TSource, TResult> run) : WorkItem
    {
        public override ValueTask<bool> ExecuteAsync()
        {
            if (!run.TryClaim(out int start, out int count))
            {
                run.Retire();
                return new ValueTask<bool>(true);
            }

            if (run._plan.Body.Sync is { } body)
            {
                // Chunk after chunk while nothing else waits in the pool; once something does, go back
                // into the queue so that the pool's order decides who runs next.
                bool succeeded = RunSync(body, start, count);
                while (!run._plan.Pool.HasQueuedWork && run.TryClaim(out start, out count))
                {
                    succeeded &= RunSync(body, start, count);
                }

                Continue();
                return new ValueTask<bool>(succeeded);
            }

            return RunAsyncBody(run._plan.Body.Async!, start, count);
        }

        private bool RunSync(Func<TSource, TResult> body, int start, int count)
        {
            IReadOnlyList<TSource> source = run._source;
            TResult[] results = run._results;
            int end = start + count;
            CancellationToken token = run._cancellation.Token;
            bool succeeded = true;
            if (source is TSource[] array)
            {
                // The common case, kept tight for trivial items: no interface call per item, the token
                // looked at once per block, and the try entered once per block rather than per item.
                int i = start;
                while (i < end && !token.IsCancellationRequested)
                {
                    int blockEnd = Math.Min(end, i + CancellationCheckEvery);
                    try
                    {
                        for (; i < blockEnd; i++)
                        {
                            results[i] = body(array[i]);
                        }
                    }
                    catch (Exception ex)
                    {
                        run.OnItemFailed(i, ex);
                        succeeded = false;
                        i++;
                    }
                }

                return succeeded;
            }

            for (int i = start; i < end && !token.IsCancellationRequested; i++)
            {
                try
                {
                    results[i] = body(source[i]);
                }
                catch (Exception ex)
                {
                    run.OnItemFailed(i, ex);
                    succeeded = false;
                }
            }

            return succeeded;
        }

        private async ValueTask<bool> RunAsyncBody(Func<TSource, CancellationToken, ValueTask<TResult>> body, int start, int count)
        {
            bool succeeded = true;
            CancellationToken token = run._cancellation.Token;
            do
            {
                for (int i = start; i < start + count && !token.IsCancellationRequested; i++)
                {
                    try
                    {
                        ValueTask<TResult> pending = body(run._source[i], token);
                        run._results[i] = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        run.OnItemFailed(i, ex);
                        succeeded = false;
                    }
                }
            }
            while (!run._plan.Pool.HasQueuedWork && run.TryClaim(out start, out count));

            Continue();
            return succeeded;
        }

        /// <summary>Back into the queue for the next chunk, or retire when nothing is left.</summary>
        private void Continue()
        {
            if (run._next >= run._results.Length || run._cancellation.IsCancellationRequested)
            {
                run.Retire();
                return;
            }

            if (!run._plan.Pool.Requeue(this, run._plan.Options.Priority, run._cancellation.Token))
            {
                // Refused: the map was cancelled meanwhile (RunAsync reports that), or the pool shut down.
                if (!run._cancellation.IsCancellationRequested)
                {
                    run.RecordFailure(run._next, new OperationCanceledException($"The WorkerPool '{run._plan.Pool.Name}' was disposed with CancelPendingOnDispose before this map finished."));
                }

                run.Retire();
            }
        }

        public override void Abandon(Exception reason)
        {
            // Dropped from the queue: by the map's own cancellation, or because the pool shut down.
            if (!run._cancellation.IsCancellationRequested)
            {
                run.RecordFailure(Volatile.Read(ref run._next), reason);
            }

            run.Retire();
        }
    }
}
