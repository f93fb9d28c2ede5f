namespace Spindle.Pools;

/// <summary>The pool's bookkeeping for one item, embedded in the item so that queueing allocates nothing more.</summary>
internal struct WorkSlot
{
    internal const int New = 0;
    internal const int Queued = 1;
    internal const int Running = 2;
    internal const int Cancelled = 3;

    // New -> Queued -> Running, or New|Queued -> Cancelled. Every change another thread can race with is a
    // compare-and-swap, so a cancellation and a worker cannot both win. Plain writes happen only where no
    // race is possible: Prepare resets a running item to New before it is requeued (only its runner holds
    // it), and DisposeAsync marks items it has already taken (as Running, under the lock) Cancelled.
    internal int State;

    // Written by the submitter before the item enters the inbox; read by the worker that dequeues it.
    internal long EnqueuedAt;
    internal WorkKey Key;

    // Guarded by the pool's lock: which lane of the ReadyQueue holds the item, if any.
    internal byte Lane;

    // Only for items queued with a token that can be cancelled; null otherwise, so that a plain call
    // carries none of it (the submit path allocates per call, and the collector pays for every byte).
    internal WorkCancellation? Cancellation;

    // Written by the submitter before enqueue; read by the pool.
    internal int Priority;
}
