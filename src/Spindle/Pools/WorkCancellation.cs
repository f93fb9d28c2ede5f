namespace Spindle.Pools;

/// <summary>The cancellation state of a queued item that has a token: kept apart from <see cref="WorkSlot"/>.</summary>
internal sealed class WorkCancellation
{
    // Written by Prepare before the item reaches another thread; read-only afterwards.
    internal CancellationToken Token;

    // Written by Prepare before the item is queued; disposed by whoever ends its queued life: the worker
    // that runs it, a failed admission, or DisposeAsync when it abandons it.
    internal CancellationTokenRegistration Registration;

    // The pool the item was submitted to, for its cancellation callback; written before registration.
    internal PriorityWorkerPool? Owner;
}
