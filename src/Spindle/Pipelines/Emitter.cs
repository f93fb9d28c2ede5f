using System.Runtime.CompilerServices;

namespace Spindle.Pipelines;

/// <summary>
/// One worker's output: items collect in a segment that is delivered when it is full, or earlier when
/// the worker is about to wait (so a quiet pipeline still hands items on at once). Owned by one worker.
/// </summary>
internal sealed class Emitter<T>
{
    private readonly StageCounters _counters;
    private readonly TimeProvider _time;
    private readonly PermitWaiter<T> _waiter = new();

    internal Emitter(SegmentTarget<T> target, StageCounters counters, TimeProvider time)
    {
        Target = target;
        _counters = counters;
        _time = time;
        Items = target.Rent();
    }

    /// <summary>Where full segments go; an ordered stage points it at each input segment's slot.</summary>
    internal SegmentTarget<T> Target { get; set; }

    /// <summary>The segment being filled; steps write into it directly in their tight loops.</summary>
    internal T[] Items { get; private set; }

    /// <summary>How many of <see cref="Items"/> are filled.</summary>
    internal int Count { get; set; }

    internal bool IsFull => Count == Items.Length;

    /// <summary>Timestamp ticks spent waiting for room downstream: not busy time.</summary>
    internal long BlockedTicks { get; private set; }

    /// <summary>Adds an item; true when the segment is now full and must be flushed.</summary>
    internal bool Add(T item)
    {
        Items[Count++] = item;
        return Count == Items.Length;
    }

    internal ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var segment = new Segment<T>(Items, Count);
        Interlocked.Add(ref _counters.ItemsOut, Count);
        Items = Target.Rent();
        Count = 0;
        ValueTask<bool> written = Target.WriteAsync(segment, _waiter);
        return written.IsCompletedSuccessfully && written.Result ? ValueTask.CompletedTask : AwaitRoomAsync(written, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitRoomAsync(ValueTask<bool> written, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        bool admitted;
        try
        {
            admitted = await written.ConfigureAwait(false);
        }
        finally
        {
            BlockedTicks += _time.GetTimestamp() - started;
        }

        if (!admitted)
        {
            // The run stopped while this worker waited for room; the segment is dropped with it.
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
