namespace Spindle.Queue;

/// <summary>
/// A wake-up for one waiting loop: any thread may <see cref="Set"/> it; the loop <see cref="Reset"/>s it before
/// it looks at the state the signal is about, then waits. A Set that lands between the look and the wait
/// completes the task the loop is about to await, so no wake-up is lost.
/// </summary>
internal sealed class WakeSignal
{
    // Replaced by Reset (the waiting loop only, once the current one is completed); completed by Set (any thread).
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal void Set() => Volatile.Read(ref _current).TrySetResult();

    internal void Reset()
    {
        if (_current.Task.IsCompleted)
        {
            Volatile.Write(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    internal Task WaitAsync() => Volatile.Read(ref _current).Task;
}
