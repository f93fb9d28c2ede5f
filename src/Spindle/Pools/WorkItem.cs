namespace Spindle.Pools;

/// <summary>The base of the pool's own items (async calls, map chunks, map runners).</summary>
internal abstract class WorkItem : IWorkItem
{
    private WorkSlot _slot;

    public ref WorkSlot Slot => ref _slot;

    /// <summary>The token the item was queued with; the work observes it.</summary>
    protected CancellationToken CancellationToken => _slot.Cancellation?.Token ?? default;

    public abstract ValueTask<bool> ExecuteAsync();

    public abstract void Abandon(Exception reason);
}
