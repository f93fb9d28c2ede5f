namespace Spindle.Pools;

/// <summary>
/// The bound on a map's items in flight: taken by the one producer before it reads items from the
/// source, given back by the consumer once it has received them.
/// </summary>
internal sealed class ItemWindow
{
    private readonly Lock _lock = new();

    // Guarded by _lock: free permits, and the producer's waiting request if any.
    private int _available;
    private int _wanted;
    private TaskCompletionSource? _waiter;

    internal ItemWindow(int capacity)
    {
        Capacity = capacity;
        _available = capacity;
    }

    internal int Capacity { get; }

    internal ValueTask AcquireAsync(int count, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_available >= count)
            {
                _available -= count;
                return ValueTask.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _wanted = count;
            _waiter = waiter;
        }

        return new ValueTask(waiter.Task.WaitAsync(cancellationToken));
    }

    internal void Release(int count)
    {
        TaskCompletionSource? granted = null;
        lock (_lock)
        {
            _available += count;
            if (_waiter is not null && _available >= _wanted)
            {
                _available -= _wanted;
                granted = _waiter;
                _waiter = null;
            }
        }

        granted?.TrySetResult();
    }
}
