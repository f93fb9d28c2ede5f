namespace Spindle.Pipelines;

/// <summary>
/// Settles a call into user code (a delegate, a source's MoveNextAsync) that a worker started but can no
/// longer use because the run stopped while the worker handed on its output. Waiting for it keeps the
/// promise that nothing of a run runs after its enumeration ends, and observes its exception.
/// </summary>
internal static class PendingCall
{
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
