using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>
/// Settles a call into user code (a delegate, a source's MoveNextAsync) that a worker started but can no
/// longer use because the run stopped while the worker handed on its output. Waiting for it keeps the
/// promise that nothing of a run runs after its enumeration ends, and observes its exception.
/// </summary>
internal static class PendingCall
{
    /// <summary>
    /// Awaits an item's call. While it is still pending, the worker first hands on what it already has, so
    /// that results done before a slow item are not held back by it; if the run stops during that hand-over,
    /// the call is settled before the stop is rethrown.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal static async ValueTask<TResult> AwaitHandingOnAsync<TResult, TOut>(ValueTask<TResult> pending, Emitter<TOut> output, CancellationToken cancellationToken)
    {
        if (!pending.IsCompleted)
        {
            try
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The run stopped while this worker handed on its output: the call still in flight must end
                // before the worker does, or it would outlive the run with its error unseen.
                await SettleAsync(pending).ConfigureAwait(false);
                throw;
            }
        }

        return await pending.ConfigureAwait(false);
    }

    /// <summary>Waits for <paramref name="pending"/> to finish; its result or exception is dropped (the run already has its outcome).</summary>
    internal static async ValueTask SettleAsync<T>(ValueTask<T> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The run has already stopped with its own outcome; the late call's error has nowhere to go.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
