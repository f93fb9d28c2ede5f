namespace Spindle.Pools;

/// <summary>Cancelling from inside the machinery, where a user's callback must not break a worker.</summary>
internal static class CancellationSources
{
    /// <summary>
    /// Cancels <paramref name="source"/>. Callbacks that user code registered on its token run inline; if
    /// they throw, the cancellation has still happened, and the exception belongs to the user's callback,
    /// not to the map that is stopping, so it is dropped here rather than left to kill a worker loop.
    /// </summary>
    internal static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException)
        {
        }
        catch (ObjectDisposedException)
        {
            // The run has already ended and disposed its source: nothing is left to cancel.
        }
    }
}
