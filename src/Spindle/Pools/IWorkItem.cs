namespace Spindle.Pools;

/// <summary>
/// One unit the pool schedules: a submitted call, or a chunk of a map. An interface rather than a base
/// class so that a plain synchronous call can be its own <see cref="Task{TResult}"/> (see <see cref="PooledCall{TResult}"/>).
/// </summary>
internal interface IWorkItem
{
    /// <summary>The pool's bookkeeping; only the pool touches it.</summary>
    ref WorkSlot Slot { get; }

    /// <summary>Runs the item. Never throws: failures end up in the item's own outcome.</summary>
    /// <returns>Whether the item succeeded (for the pool's completed and failed counts).</returns>
    ValueTask<bool> ExecuteAsync();

    /// <summary>Ends an item that will never run (cancelled while queued, or the pool shut down).</summary>
    void Abandon(Exception reason);
}
