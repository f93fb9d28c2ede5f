namespace Spindle.Pipelines;

/// <summary>A stage's error policy: route a failed item to the error sink, or fail the whole run.</summary>
internal sealed class StageFailures(PipelineRun run, StageCounters counters, StageErrorMode mode)
{
    /// <summary>Whether <paramref name="exception"/> is the run stopping rather than an item failing.</summary>
    internal static bool IsStop(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>
    /// Handles an item the delegate threw on. Returns when the item was routed and the worker may go on;
    /// throws <see cref="OperationCanceledException"/> when the run has failed and the worker must stop.
    /// </summary>
    internal async ValueTask HandleAsync<TItem>(TItem item, Exception exception, CancellationToken cancellationToken)
    {
        if (IsStop(exception, cancellationToken))
        {
            throw new OperationCanceledException(cancellationToken);
        }

        Interlocked.Increment(ref counters.Failed);
        if (mode == StageErrorMode.RouteToErrorSink && run.ErrorSink is { } sink)
        {
            try
            {
                await sink(new StageError(counters.Name, item, exception), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception sinkError) when (!IsStop(sinkError, cancellationToken))
            {
                exception = sinkError;
            }
        }

        throw Stop(item, exception);
    }

    /// <summary>
    /// Fails the whole run on <paramref name="item"/> whatever the mode, for a failure that is the stage's
    /// rather than the item's (a process pool that was shut down would fail every item alike). Returns the
    /// exception the worker throws to stop.
    /// </summary>
    internal OperationCanceledException FailRun<TItem>(TItem item, Exception exception)
    {
        Interlocked.Increment(ref counters.Failed);
        return Stop(item, exception);
    }

    private OperationCanceledException Stop<TItem>(TItem item, Exception exception)
    {
        run.Fail(new PipelineStageException(counters.Name, item, hasItem: true, exception));
        return new OperationCanceledException(run.Token);
    }
}
