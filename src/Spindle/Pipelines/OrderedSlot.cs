using System.Threading.Tasks.Sources;

namespace Spindle.Pipelines;

/// <summary>
/// The place of one input segment in an ordered stage's output: its worker writes segments into it, the
/// sequencer takes them out and delivers them downstream once every earlier slot has gone. A slot holds at
/// most <see cref="Room"/> segments: the head slot streams while its worker fills it, and a worker ahead of
/// the head waits once its slot is full, so an item that becomes millions of items costs a few segments.
/// </summary>
/// <remarks>
/// The worker's wait for room is its emitter's own <see cref="PermitWaiter{T}"/>; the sequencer's wait for a
/// segment is this slot itself (an <see cref="IValueTaskSource{TResult}"/>), so neither allocates.
/// </remarks>
internal sealed class OrderedSlot<T>(StageBuffer<T> downstream) : SegmentTarget<T>, IValueTaskSource<bool>
{
    /// <summary>The most segments a slot holds before its worker waits.</summary>
    internal const int Room = 2;

    private readonly Lock _lock = new();

    // Guarded by _lock. The segments written by the slot's worker and not yet taken by the sequencer (a ring
    // of Room from _first); the worker's waiter while the ring is full (its segment enters when one is
    // taken); whether the sequencer waits on _reader; whether the worker has finished the slot; whether the
    // run stopped (nobody waits any more).
    private readonly Segment<T>[] _ring = new Segment<T>[Room];
    private int _first;
    private int _count;
    private PermitWaiter<T>? _writer;
    private bool _readerWaiting;
    private bool _done;
    private bool _aborted;

    // The sequencer's wait: reset under _lock when it starts waiting, completed once by the worker or Abort.
    private ManualResetValueTaskSourceCore<bool> _reader = new() { RunContinuationsAsynchronously = true };

    internal override T[] Rent() => downstream.Rent();

    /// <summary>By the slot's worker: adds a segment, waiting while the slot is full. False when the run stopped.</summary>
    internal override ValueTask<bool> WriteAsync(Segment<T> segment, PermitWaiter<T> waiter)
    {
        lock (_lock)
        {
            if (_aborted)
            {
                return new ValueTask<bool>(false);
            }

            if (_count < Room)
            {
                _ring[(_first + _count) % Room] = segment;
                _count++;
                WakeReader(true);
                return new ValueTask<bool>(true);
            }

            _writer = waiter;
            return waiter.Arm(segment);
        }
    }

    /// <summary>By the slot's worker: every segment of the slot has been written.</summary>
    internal void Complete()
    {
        lock (_lock)
        {
            _done = true;
            WakeReader(_count > 0);
        }
    }

    /// <summary>By the sequencer: takes the oldest segment, letting a waiting worker's segment in.</summary>
    internal bool TryTake(out Segment<T> segment)
    {
        PermitWaiter<T>? admitted = null;
        lock (_lock)
        {
            if (_count == 0)
            {
                segment = default;
                return false;
            }

            segment = _ring[_first];
            _ring[_first] = default;
            _first = (_first + 1) % Room;
            _count--;
            if (_writer is { } writer)
            {
                _ring[(_first + _count) % Room] = writer.Segment;
                _count++;
                _writer = null;
                admitted = writer;
            }
        }

        admitted?.Complete(admitted: true);
        return true;
    }

    /// <summary>By the sequencer when <see cref="TryTake"/> found nothing: true when a segment is there, false when the slot is finished (or the run stopped).</summary>
    internal ValueTask<bool> WaitAsync()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_done || _aborted)
            {
                return new ValueTask<bool>(false);
            }

            _reader.Reset();
            _readerWaiting = true;
            return new ValueTask<bool>(this, _reader.Version);
        }
    }

    /// <summary>The run stopped: the waiting worker gives up, the waiting sequencer sees the end.</summary>
    internal void Abort()
    {
        PermitWaiter<T>? writer;
        lock (_lock)
        {
            _aborted = true;
            writer = _writer;
            _writer = null;
            WakeReader(false);
        }

        writer?.Complete(admitted: false);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _reader.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _reader.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _reader.OnCompleted(continuation, state, token, flags);

    // Called under _lock; continuations run asynchronously, so none runs under it.
    private void WakeReader(bool segmentThere)
    {
        if (_readerWaiting)
        {
            _readerWaiting = false;
            _reader.SetResult(segmentThere);
        }
    }
}
