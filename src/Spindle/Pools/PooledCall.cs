namespace Spindle.Pools;

/// <summary>
/// A synchronous call submitted without a token: the task the caller awaits is the queued item itself,
/// so a submit allocates one object, as <c>Task.Run</c> does. The pool runs it through its
/// <see cref="PoolScheduler"/>, which gives the Task machinery its result, exception and cancellation.
/// </summary>
internal sealed class PooledCall<TResult> : Task<TResult>, IWorkItem
{
    private readonly PoolScheduler _scheduler;
    private WorkSlot _slot;

    // HideScheduler: code inside the call sees the default scheduler as current, so its own
    // StartNew or ContinueWith calls never land in this pool by accident.
    internal PooledCall(Func<TResult> work, PoolScheduler scheduler, CancellationToken abandonToken)
        : base(work, abandonToken, TaskCreationOptions.HideScheduler)
    {
        _scheduler = scheduler;
    }

    public ref WorkSlot Slot => ref _slot;

    public ValueTask<bool> ExecuteAsync()
    {
        _scheduler.Execute(this);
        return new ValueTask<bool>(IsCompletedSuccessfully);
    }

    /// <summary>Nothing to do: a pooled call is abandoned through its token, which cancels the task.</summary>
    public void Abandon(Exception reason)
    {
    }
}
